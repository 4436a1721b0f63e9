namespace Promoter.Host.Pipeline;

/// <summary>
/// Last line of defence: removes every configured secret from text the host stores, logs or serves (channel
/// error messages, exceptions from plugins). Channels are expected not to leak secrets in the first place.
/// </summary>
internal static class SecretRedactor
{
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var s in secrets)
        {
            if (text.Contains(s, StringComparison.Ordinal))
            {
                text = text.Replace(s, "<secret>", StringComparison.Ordinal);
            }

            var escaped = Uri.EscapeDataString(s);
            if (escaped != s && text.Contains(escaped, StringComparison.Ordinal))
            {
                text = text.Replace(escaped, "<secret>", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
