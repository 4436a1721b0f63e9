using System.Text;
using System.Text.RegularExpressions;

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
internal static partial class TelegramMarkup
{
    private const string MarkdownReserved = "_*[]()~`>#+-=|{}.!\\";

    // [label](http(s)://…) in a template's plain text: the one piece of markup the templates may write, so that
    // per-alert links (alert page, silence) cost only their label against the 4,096 / 1,024 visible characters.
    // The URL stops at whitespace or a parenthesis (the silence filter is URL-encoded, so it holds neither).
    [GeneratedRegex(@"\[([^\[\]\n]{1,200})\]\((https?://[^\s()]{1,2000})\)")]
    private static partial Regex LinkSyntax();

    /// <summary>
    /// The runs of a template's plain text: links written as [label](https://…) become link runs, everything else
    /// stays plain (and is escaped when rendered); cut so that at most <paramref name="max"/> characters are visible.
    /// A link that does not fit whole is left out (an ellipsis marks the cut), never cut in its label.
    /// </summary>
    public static IReadOnlyList<TextRun> PlainTextWithLinks(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parsed = new List<TextRun>();
        var at = 0;
        foreach (Match m in LinkSyntax().Matches(text))
        {
            if (!Uri.TryCreate(m.Groups[2].Value, UriKind.Absolute, out var url))
            {
                continue;
            }

            if (m.Index > at)
            {
                parsed.Add(new TextRun(text[at..m.Index]));
            }

            parsed.Add(new TextRun(m.Groups[1].Value, TextStyle.Link, url));
            at = m.Index + m.Length;
        }

        if (at < text.Length)
        {
            parsed.Add(new TextRun(text[at..]));
        }

        if (VisibleLength(parsed) <= max)
        {
            return parsed;
        }

        // Cut: the last character left goes to the ellipsis that tells the reader the text goes on.
        var runs = new List<TextRun>();
        var room = max - 1;
        foreach (var run in parsed)
        {
            if (run.Text.Length <= room)
            {
                runs.Add(run);
                room -= run.Text.Length;
                continue;
            }

            if (run.Style == TextStyle.Plain && room > 0)
            {
                var cut = char.IsHighSurrogate(run.Text[room - 1]) ? room - 1 : room;
                runs.Add(new TextRun(run.Text[..cut]));
            }

            break;
        }

        if (max > 0)
        {
            runs.Add(new TextRun("…"));
        }

        return runs;
    }

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
