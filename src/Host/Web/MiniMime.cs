using System.Text;
using System.Text.RegularExpressions;

namespace Promoter.Host.Web;

/// <summary>
/// Just enough MIME (RFC 2045–2047) to show a previewed e-mail as a mail client would: the subject (encoded words
/// decoded), and the text/html and text/plain parts of a multipart message, their base64 or quoted-printable
/// transfer encoding undone. Not a general parser: it reads only what the e-mail channel writes.
/// </summary>
internal static partial class MiniMime
{
    private const int MaxDepth = 5;

    public static EmailView Decode(string message)
    {
        var (headers, body) = Split(message);
        string? html = null, text = null;
        Walk(headers, body, 0, ref html, ref text);
        return new EmailView(headers.TryGetValue("subject", out var subject) ? DecodeWords(subject) : null, html, text);
    }

    private static void Walk(Dictionary<string, string> headers, string body, int depth, ref string? html, ref string? text)
    {
        var contentType = headers.TryGetValue("content-type", out var ct) ? ct : "text/plain";
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType.StartsWith("multipart/", StringComparison.Ordinal) && depth < MaxDepth && Parameter(contentType, "boundary") is { Length: > 0 } boundary)
        {
            var delimiter = "--" + boundary;
            var parts = body.Split(delimiter);
            // parts[0] is the preamble; the part after the closing delimiter ("--boundary--") starts with "--".
            foreach (var part in parts.Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal))
                {
                    break;
                }

                var (h, b) = Split(part.TrimStart('\r', '\n'));
                Walk(h, b, depth + 1, ref html, ref text);
            }

            return;
        }

        if (mediaType is not ("text/html" or "text/plain"))
        {
            return;
        }

        var encoding = headers.TryGetValue("content-transfer-encoding", out var cte) ? cte.Trim().ToLowerInvariant() : "7bit";
        var charset = Parameter(contentType, "charset") ?? "utf-8";
        var decoded = Charset(charset).GetString(encoding switch
        {
            "base64" => FromBase64(body),
            "quoted-printable" => FromQuotedPrintable(body, header: false),
            _ => Encoding.UTF8.GetBytes(body),
        });
        if (mediaType == "text/html")
        {
            html ??= decoded;
        }
        else
        {
            text ??= decoded;
        }
    }

    /// <summary>Headers (unfolded, names lower case, the first of each) and the body after the empty line.</summary>
    private static (Dictionary<string, string> Headers, string Body) Split(string entity)
    {
        var end = entity.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? entity : entity[..end];
        var body = end < 0 ? "" : entity[(end + 4)..];
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && name is not null)
            {
                headers[name] += " " + line.Trim(); // RFC 5322 2.2.3 unfolding
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            name = line[..colon].Trim().ToLowerInvariant();
            if (!headers.TryAdd(name, line[(colon + 1)..].Trim()))
            {
                name = null;
            }
        }

        return (headers, body);
    }

    private static string? Parameter(string header, string name)
    {
        var m = Regex.Match(header, ";\\s*" + name + "\\s*=\\s*(\"(?<q>[^\"]*)\"|(?<t>[^;\\s]+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return !m.Success ? null : m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["t"].Value;
    }

    private static Encoding Charset(string name)
    {
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    private static byte[] FromBase64(string text)
    {
        var clean = new string(text.Where(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=').ToArray());
        try
        {
            return Convert.FromBase64String(clean);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(text);
        }
    }

    /// <summary>Quoted-printable (RFC 2045 6.7): =XX octets and soft line breaks; in headers (RFC 2047 "Q") _ is a space.</summary>
    private static byte[] FromQuotedPrintable(string text, bool header)
    {
        var output = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '=' && i + 2 < text.Length && text[i + 1] == '\r' && text[i + 2] == '\n')
            {
                i += 2;
            }
            else if (c == '=' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                i += 1;
            }
            else if (c == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                output.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (header && c == '_')
            {
                output.Add((byte)' ');
            }
            else
            {
                output.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return output.ToArray();
    }

    /// <summary>RFC 2047 encoded words (=?charset?B|Q?…?=); white space between two of them is dropped.</summary>
    internal static string DecodeWords(string value)
    {
        var joined = BetweenWords().Replace(value, "?==?");
        return EncodedWord().Replace(joined, m =>
        {
            var bytes = m.Groups["enc"].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
                ? FromBase64(m.Groups["text"].Value)
                : FromQuotedPrintable(m.Groups["text"].Value, header: true);
            return Charset(m.Groups["charset"].Value).GetString(bytes);
        });
    }

    [GeneratedRegex("\\?=\\s+=\\?", RegexOptions.CultureInvariant)]
    private static partial Regex BetweenWords();

    [GeneratedRegex("=\\?(?<charset>[^?*]+)(\\*[^?]*)?\\?(?<enc>[BbQq])\\?(?<text>[^?]*)\\?=", RegexOptions.CultureInvariant)]
    private static partial Regex EncodedWord();
}
