using System.Text;

namespace Promoter.Channel.Telegram;

internal enum TextStyle
{
    Plain,
    Bold,
    Italic,
    Link,
}

/// <summary>A run of text as the reader sees it, with one style (a link carries its target).</summary>
internal readonly record struct TextRun(string Text, TextStyle Style = TextStyle.Plain, Uri? Url = null);

/// <summary>
/// Writes text runs in one of Telegram's parse modes, escaping every character the mode reserves so that
/// alert text (which can hold anything: "&lt;", "_", ".", "*") is shown as written and never breaks parsing.
/// HTML mode: '&lt;', '&gt;', '&amp;' (and '"' inside attributes) must be written as entities. MarkdownV2:
/// each of <c>_*[]()~`&gt;#+-=|{}.!</c> and '\' outside an entity must be preceded by '\'; inside the (…) of a
/// link only ')' and '\' are escaped. Telegram counts its 4,096 (message) and 1,024 (caption) limits after
/// parsing, on the visible text in UTF-16 code units: <see cref="VisibleLength"/>.
/// </summary>
internal static class TelegramMarkup
{
    private const string MarkdownReserved = "_*[]()~`>#+-=|{}.!\\";

    public static int VisibleLength(IEnumerable<TextRun> runs) => runs.Sum(r => r.Text.Length);

    public static string Render(IEnumerable<TextRun> runs, string parseMode)
    {
        var html = parseMode == TelegramOptions.Html;
        var sb = new StringBuilder();
        foreach (var run in runs)
        {
            if (run.Text.Length == 0)
            {
                continue;
            }

            if (html)
            {
                var text = EscapeHtml(run.Text);
                _ = run.Style switch
                {
                    TextStyle.Bold => sb.Append("<b>").Append(text).Append("</b>"),
                    TextStyle.Italic => sb.Append("<i>").Append(text).Append("</i>"),
                    TextStyle.Link => sb.Append("<a href=\"").Append(EscapeHtml(run.Url!.AbsoluteUri)).Append("\">").Append(text).Append("</a>"),
                    _ => sb.Append(text),
                };
            }
            else
            {
                var text = EscapeMarkdownV2(run.Text);
                _ = run.Style switch
                {
                    TextStyle.Bold => sb.Append('*').Append(text).Append('*'),
                    // "__" would open underline: the builder never puts two italic runs side by side.
                    TextStyle.Italic => sb.Append('_').Append(text).Append('_'),
                    TextStyle.Link => sb.Append('[').Append(text).Append("](").Append(EscapeMarkdownUrl(run.Url!.AbsoluteUri)).Append(')'),
                    _ => sb.Append(text),
                };
            }
        }

        return sb.ToString();
    }

    public static string EscapeHtml(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => sb.Append("&amp;"),
                '<' => sb.Append("&lt;"),
                '>' => sb.Append("&gt;"),
                '"' => sb.Append("&quot;"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    public static string EscapeMarkdownV2(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (MarkdownReserved.Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string EscapeMarkdownUrl(string url) =>
        url.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);
}
