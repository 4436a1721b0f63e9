using System.Collections;
using System.Globalization;
using System.Text;
using Promoter.Templating.Alertmanager;
using Promoter.Templating.Execution;
using Promoter.Templating.Time;

namespace Promoter.Templating.Html;

/// <summary>
/// The functions html/template appends to pipelines (Go 1.19's html.go, url.go, js.go, css.go): each turns
/// the printed value into text that is safe in one context. Values marked safe (safeHtml, safeUrl) pass
/// where their kind is expected.
/// </summary>
internal static class HtmlEscapingFunctions
{
    /// <summary>Emitted in place of an unsafe value: not a keyword anywhere, easy to search for.</summary>
    public const string FilterFailsafe = "ZgotmplZ";

    public static readonly IReadOnlyDictionary<string, GoCallable> Functions = new Dictionary<string, GoCallable>(StringComparer.Ordinal)
    {
        ["_html_template_attrescaper"] = Fn("_html_template_attrescaper", AttrEscaper),
        ["_html_template_commentescaper"] = Fn("_html_template_commentescaper", _ => ""),
        ["_html_template_cssescaper"] = Fn("_html_template_cssescaper", CssEscaper),
        ["_html_template_cssvaluefilter"] = Fn("_html_template_cssvaluefilter", CssValueFilter),
        ["_html_template_htmlnamefilter"] = Fn("_html_template_htmlnamefilter", HtmlNameFilter),
        ["_html_template_htmlescaper"] = Fn("_html_template_htmlescaper", HtmlEscaper),
        ["_html_template_jsregexpescaper"] = Fn("_html_template_jsregexpescaper", JsRegexpEscaper),
        ["_html_template_jsstrescaper"] = Fn("_html_template_jsstrescaper", JsStrEscaper),
        ["_html_template_jsvalescaper"] = Fn("_html_template_jsvalescaper", JsValEscaper),
        ["_html_template_nospaceescaper"] = Fn("_html_template_nospaceescaper", HtmlNospaceEscaper),
        ["_html_template_rcdataescaper"] = Fn("_html_template_rcdataescaper", RcdataEscaper),
        ["_html_template_srcsetescaper"] = Fn("_html_template_srcsetescaper", SrcsetFilterAndEscaper),
        ["_html_template_urlescaper"] = Fn("_html_template_urlescaper", a => UrlProcessor(false, a)),
        ["_html_template_urlfilter"] = Fn("_html_template_urlfilter", UrlFilter),
        ["_html_template_urlnormalizer"] = Fn("_html_template_urlnormalizer", a => UrlProcessor(true, a)),
        ["_eval_args_"] = Fn("_eval_args_", EvalArgs),
    };

    private static GoCallable Fn(string name, Func<object?[], string> f) => GoCallable.Raw(name, 0, true, a => f(a));

    private static string EvalArgs(object?[] args) => args.Length == 1 && args[0] is string s ? s : GoFmt.Sprint(args);

    /// <summary>The text of the arguments and whether it is marked as safe content (Go's stringify).</summary>
    private static (string Text, HtmlContentType Type) Stringify(object?[] args)
    {
        if (args.Length == 1)
        {
            switch (args[0])
            {
                case string s:
                    return (s, HtmlContentType.Plain);
                case HtmlString h:
                    return (h.Value, HtmlContentType.Html);
                case UrlString u:
                    return (u.Value, HtmlContentType.Url);
            }
        }

        // Untyped nils are skipped (they would print as <nil>).
        var kept = args.Where(a => a is not null).ToArray();
        return (GoFmt.Sprint(kept), HtmlContentType.Plain);
    }

    // ---- HTML ----

    private static readonly string[] HtmlReplacementTable = Table(('\0', "\uFFFD"), ('"', "&#34;"), ('&', "&amp;"), ('\'', "&#39;"), ('+', "&#43;"), ('<', "&lt;"), ('>', "&gt;"));

    private static readonly string[] HtmlNormReplacementTable = Table(('\0', "\uFFFD"), ('"', "&#34;"), ('\'', "&#39;"), ('+', "&#43;"), ('<', "&lt;"), ('>', "&gt;"));

    // Unquoted attribute values also end at white space, '=' and '`' (a quote character to old IE).
    private static readonly string[] HtmlNospaceReplacementTable = Table(('\0', "&#xfffd;"), ('\t', "&#9;"), ('\n', "&#10;"), ('\v', "&#11;"), ('\f', "&#12;"),
        ('\r', "&#13;"), (' ', "&#32;"), ('"', "&#34;"), ('&', "&amp;"), ('\'', "&#39;"), ('+', "&#43;"), ('<', "&lt;"), ('=', "&#61;"), ('>', "&gt;"), ('`', "&#96;"));

    private static readonly string[] HtmlNospaceNormReplacementTable = Table(('\0', "&#xfffd;"), ('\t', "&#9;"), ('\n', "&#10;"), ('\v', "&#11;"), ('\f', "&#12;"),
        ('\r', "&#13;"), (' ', "&#32;"), ('"', "&#34;"), ('\'', "&#39;"), ('+', "&#43;"), ('<', "&lt;"), ('=', "&#61;"), ('>', "&gt;"), ('`', "&#96;"));

    private static string[] Table(params (char C, string Repl)[] entries)
    {
        var t = new string[entries.Max(e => e.C) + 1];
        foreach (var (c, r) in entries)
        {
            t[c] = r;
        }

        return t;
    }

    public static string HtmlEscaper(object?[] args)
    {
        var (s, t) = Stringify(args);
        return t == HtmlContentType.Html ? s : HtmlReplacer(s, HtmlReplacementTable, true);
    }

    public static string AttrEscaper(object?[] args)
    {
        var (s, t) = Stringify(args);
        return t == HtmlContentType.Html ? HtmlReplacer(StripTags(s), HtmlNormReplacementTable, true) : HtmlReplacer(s, HtmlReplacementTable, true);
    }

    public static string RcdataEscaper(object?[] args)
    {
        var (s, t) = Stringify(args);
        return HtmlReplacer(s, t == HtmlContentType.Html ? HtmlNormReplacementTable : HtmlReplacementTable, true);
    }

    public static string HtmlNospaceEscaper(object?[] args)
    {
        var (s, t) = Stringify(args);
        return t == HtmlContentType.Html ? HtmlReplacer(StripTags(s), HtmlNospaceNormReplacementTable, false) : HtmlReplacer(s, HtmlNospaceReplacementTable, false);
    }

    private static string HtmlReplacer(string s, string[] table, bool badRunes)
    {
        StringBuilder? b = null;
        var written = 0;
        for (var i = 0; i < s.Length;)
        {
            Rune.DecodeFromUtf16(s.AsSpan(i), out var rune, out var w);
            var r = rune.Value;
            string? repl = null;
            if (r < table.Length)
            {
                repl = table[r];
            }
            else if (!badRunes && (r is >= 0xfdd0 and <= 0xfdef || r is >= 0xfff0 and <= 0xffff))
            {
                // Noncharacters are not allowed in unquoted attributes by some browsers.
                repl = $"&#x{r:x};";
            }

            if (!string.IsNullOrEmpty(repl))
            {
                b ??= new StringBuilder(s.Length + 16);
                b.Append(s, written, i - written).Append(repl);
                written = i + w;
            }

            i += w;
        }

        return b is null ? s : b.Append(s, written, s.Length - written).ToString();
    }

    /// <summary>The text content of an HTML fragment, for safe HTML placed in an attribute (Go's stripTags).</summary>
    private static string StripTags(string html)
    {
        var b = new StringBuilder();
        var c = HtmlContext.Start;
        var i = 0;
        var allText = true;
        while (i != html.Length)
        {
            if (c.Delim == HtmlDelim.delimNone)
            {
                var st = c.State;
                // Script and style bodies are treated as RCDATA rather than parsed as JS or CSS.
                if (c.Element != HtmlElement.elementNone && !c.IsInTag)
                {
                    st = HtmlState.stateRCDATA;
                }

                var (d, nread) = st == HtmlState.stateRCDATA ? HtmlTransitions.TSpecialTagEnd(c, html[i..]) : HtmlTransitions.Step(c, html[i..]);

                var i1 = i + nread;
                if (c.State is HtmlState.stateText or HtmlState.stateRCDATA)
                {
                    var j = i1;
                    if (d.State != c.State)
                    {
                        for (var j1 = j - 1; j1 >= i; j1--)
                        {
                            if (html[j1] == '<')
                            {
                                j = j1;
                                break;
                            }
                        }
                    }

                    b.Append(html, i, j - i);
                }
                else
                {
                    allText = false;
                }

                c = d;
                i = i1;
                continue;
            }

            var ends = c.Delim switch { HtmlDelim.delimDoubleQuote => "\"", HtmlDelim.delimSingleQuote => "'", _ => " \t\n\f\r>" };
            var rel = html.AsSpan(i).IndexOfAny(ends);
            if (rel < 0)
            {
                break;
            }

            var end = i + rel;
            if (c.Delim != HtmlDelim.delimSpaceOrTagEnd)
            {
                end++;
            }

            c = new HtmlContext(HtmlState.stateTag, Element: c.Element);
            i = end;
        }

        if (allText)
        {
            return html;
        }

        if (c.State is HtmlState.stateText or HtmlState.stateRCDATA)
        {
            b.Append(html, i, html.Length - i);
        }

        return b.ToString();
    }

    public static string HtmlNameFilter(object?[] args)
    {
        var (s, t) = Stringify(args);
        if (t == HtmlContentType.HtmlAttr)
        {
            return s;
        }

        if (s.Length == 0)
        {
            // <input checked {{.K}}={{.V}}>: an empty name would make .V the value of "checked".
            return FilterFailsafe;
        }

        s = s.ToLowerInvariant();
        if (HtmlAttributes.TypeOf(s) != HtmlContentType.Plain)
        {
            return FilterFailsafe;
        }

        foreach (var ch in s)
        {
            if (ch is not (>= '0' and <= '9' or >= 'a' and <= 'z'))
            {
                return FilterFailsafe;
            }
        }

        return s;
    }

    // ---- URLs ----

    public static string UrlFilter(object?[] args)
    {
        var (s, t) = Stringify(args);
        if (t == HtmlContentType.Url)
        {
            return s;
        }

        return IsSafeUrl(s) ? s : "#" + FilterFailsafe;
    }

    /// <summary>Only http, https and mailto may be a URL's scheme (javascript: is the reason).</summary>
    private static bool IsSafeUrl(string s)
    {
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && !s.AsSpan(0, colon).Contains('/'))
        {
            var protocol = s[..colon];
            return protocol.Equals("http", StringComparison.OrdinalIgnoreCase) || protocol.Equals("https", StringComparison.OrdinalIgnoreCase)
                || protocol.Equals("mailto", StringComparison.OrdinalIgnoreCase);
        }

        return true;
    }

    private static string UrlProcessor(bool norm, object?[] args)
    {
        var (s, t) = Stringify(args);
        if (t == HtmlContentType.Url)
        {
            norm = true;
        }

        var b = new StringBuilder(s.Length + 16);
        return ProcessUrlOnto(s, norm, b) ? b.ToString() : s;
    }

    /// <summary>
    /// Percent-encodes the UTF-8 bytes of <paramref name="s"/> that are not unreserved (RFC 3986 2.3), like
    /// encodeURIComponent; when normalizing, reserved characters and valid %XX escapes are kept. Go writes
    /// the hex digits in lower case.
    /// </summary>
    private static bool ProcessUrlOnto(string s, bool norm, StringBuilder b)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var written = 0;
        var changed = false;
        for (var i = 0; i < bytes.Length; i++)
        {
            var c = bytes[i];
            switch ((char)c)
            {
                // Single quote and parentheses are escaped so the URL fits in single-quoted attributes and
                // unquoted CSS url(…).
                case '!' or '#' or '$' or '&' or '*' or '+' or ',' or '/' or ':' or ';' or '=' or '?' or '@' or '[' or ']':
                    if (norm)
                    {
                        continue;
                    }

                    break;
                case '-' or '.' or '_' or '~':
                    continue;
                case '%':
                    if (norm && i + 2 < bytes.Length && IsHex(bytes[i + 1]) && IsHex(bytes[i + 2]))
                    {
                        continue;
                    }

                    break;
                default:
                    if (c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9')
                    {
                        continue;
                    }

                    break;
            }

            b.Append(Encoding.UTF8.GetString(bytes, written, i - written));
            b.Append('%').Append(c.ToString("x2", CultureInfo.InvariantCulture));
            written = i + 1;
            changed = true;
        }

        b.Append(Encoding.UTF8.GetString(bytes, written, bytes.Length - written));
        return changed;
    }

    private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static bool IsHex(char c) => c < 128 && IsHex((byte)c);

    public static string SrcsetFilterAndEscaper(object?[] args)
    {
        var (s, t) = Stringify(args);
        if (t == HtmlContentType.Srcset)
        {
            return s;
        }

        if (t == HtmlContentType.Url)
        {
            // Normalizing removes the white space that separates a URL from its metadata; commas separate sources.
            var nb = new StringBuilder();
            if (ProcessUrlOnto(s, true, nb))
            {
                s = nb.ToString();
            }

            return s.Replace(",", "%2c", StringComparison.Ordinal);
        }

        var b = new StringBuilder();
        var written = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == ',')
            {
                FilterSrcsetElement(s, written, i, b);
                b.Append(',');
                written = i + 1;
            }
        }

        FilterSrcsetElement(s, written, s.Length, b);
        return b.ToString();
    }

    private static bool IsHtmlSpace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';

    private static void FilterSrcsetElement(string s, int left, int right, StringBuilder b)
    {
        var start = left;
        while (start < right && IsHtmlSpace(s[start]))
        {
            start++;
        }

        var end = right;
        for (var i = start; i < right; i++)
        {
            if (IsHtmlSpace(s[i]))
            {
                end = i;
                break;
            }
        }

        var url = s[start..end];
        if (IsSafeUrl(url))
        {
            var metadataOk = true;
            for (var i = end; i < right; i++)
            {
                if (!(IsHtmlSpace(s[i]) || char.IsAsciiLetterOrDigit(s[i])))
                {
                    metadataOk = false;
                    break;
                }
            }

            if (metadataOk)
            {
                b.Append(s, left, start - left);
                ProcessUrlOnto(url, true, b);
                b.Append(s, end, right - end);
                return;
            }
        }

        b.Append('#').Append(FilterFailsafe);
    }

    // ---- JavaScript ----

    public static bool IsJsIdentPart(char c) => c is '$' or '_' or >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z';

    private static readonly string[] JsStrReplacementTable = Table(('\0', "\\u0000"), ('\t', "\\t"), ('\n', "\\n"), ('\v', "\\u000b"), ('\f', "\\f"), ('\r', "\\r"),
        ('"', "\\u0022"), ('&', "\\u0026"), ('\'', "\\u0027"), ('+', "\\u002b"), ('/', "\\/"), ('<', "\\u003c"), ('>', "\\u003e"), ('\\', "\\\\"), ('`', "\\u0060"));

    private static readonly string[] JsRegexpReplacementTable = Table(('\0', "\\u0000"), ('\t', "\\t"), ('\n', "\\n"), ('\v', "\\u000b"), ('\f', "\\f"), ('\r', "\\r"),
        ('"', "\\u0022"), ('$', "\\$"), ('&', "\\u0026"), ('\'', "\\u0027"), ('(', "\\("), (')', "\\)"), ('*', "\\*"), ('+', "\\u002b"), ('-', "\\-"),
        ('.', "\\."), ('/', "\\/"), ('<', "\\u003c"), ('>', "\\u003e"), ('?', "\\?"), ('[', "\\["), ('\\', "\\\\"), (']', "\\]"), ('^', "\\^"),
        ('{', "\\{"), ('|', "\\|"), ('}', "\\}"));

    public static string JsStrEscaper(object?[] args) => JsReplace(Stringify(args).Text, JsStrReplacementTable);

    public static string JsRegexpEscaper(object?[] args)
    {
        var s = JsReplace(Stringify(args).Text, JsRegexpReplacementTable);
        // /{{.X}}/ must not become a line comment when .X is empty.
        return s.Length == 0 ? "(?:)" : s;
    }

    private static string JsReplace(string s, string[] table)
    {
        var b = new StringBuilder(s.Length + 8);
        foreach (var ch in s)
        {
            string? repl = null;
            if (ch < 0x20)
            {
                repl = ch switch
                {
                    '\t' => "\\t",
                    '\n' => "\\n",
                    '\f' => "\\f",
                    '\r' => "\\r",
                    _ => $"\\u{(int)ch:x4}",
                };
            }
            else if (ch < table.Length && !string.IsNullOrEmpty(table[ch]))
            {
                repl = table[ch];
            }
            else if (ch == '\u2028')
            {
                repl = "\\u2028";
            }
            else if (ch == '\u2029')
            {
                repl = "\\u2029";
            }

            if (repl is null)
            {
                b.Append(ch);
            }
            else
            {
                b.Append(repl);
            }
        }

        return b.ToString();
    }

    /// <summary>
    /// A value as a JavaScript expression: its JSON (Go's json.Marshal for strings, numbers, booleans, lists
    /// and maps; other values as the JSON string of their printed text), padded with spaces where it
    /// could run into a keyword.
    /// </summary>
    public static string JsValEscaper(object?[] args)
    {
        string json;
        if (args.Length == 1)
        {
            json = args[0] switch
            {
                HtmlString h => Json(h.Value),
                UrlString u => Json(u.Value),
                var v => Json(v),
            };
        }
        else
        {
            json = Json(GoFmt.Sprint(args));
        }

        if (json.Length == 0)
        {
            return " null ";
        }

        var pad = IsJsIdentPart(json[0]) || IsJsIdentPart(json[^1]);
        json = json.Replace("\u2028", "\\u2028", StringComparison.Ordinal).Replace("\u2029", "\\u2029", StringComparison.Ordinal);
        return pad ? " " + json + " " : json;
    }

    private static string Json(object? v)
    {
        switch (v)
        {
            case null:
                return "null";
            case string s:
                return JsonString(s);
            case bool b:
                return b ? "true" : "false";
            case long or int or ulong or byte:
                return Convert.ToString(v, CultureInfo.InvariantCulture)!;
            case double d:
                return JsonFloat(d);
            case GoTime t:
                return JsonString(t.Format("2006-01-02T15:04:05.999999999Z07:00"));
            case KV kv:
                return "{" + string.Join(",", kv.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonString(p.Key) + ":" + JsonString(p.Value))) + "}";
            case IDictionary map:
                return "{" + string.Join(",", GoFmt.SortedEntries(map).Select(e => JsonString(GoFmt.ToText(e.Key)) + ":" + Json(e.Value))) + "}";
            case IEnumerable list:
                return "[" + string.Join(",", list.Cast<object?>().Select(Json)) + "]";
            default:
                return JsonString(GoFmt.ToText(v));
        }
    }

    private static string JsonFloat(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d))
        {
            return "null";
        }

        var abs = Math.Abs(d);
        var fmt = abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
        var s = GoFmt.FormatFloat(d, fmt, -1);
        if (fmt == 'e' && s.Length >= 4 && s[^4] == 'e' && s[^3] == '-' && s[^2] == '0')
        {
            // Go's encoding/json writes 1e-07 as 1e-7.
            s = s[..^2] + s[^1];
        }

        return s;
    }

    /// <summary>Go's encoding/json string: HTML-safe (&lt;, &gt;, &amp; as \u003c…), U+2028/2029 escaped.</summary>
    private static string JsonString(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '<': b.Append("\\u003c"); break;
                case '>': b.Append("\\u003e"); break;
                case '&': b.Append("\\u0026"); break;
                case '\u2028': b.Append("\\u2028"); break;
                case '\u2029': b.Append("\\u2029"); break;
                default:
                    if (ch < 0x20)
                    {
                        b.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:x4}");
                    }
                    else
                    {
                        b.Append(ch);
                    }

                    break;
            }
        }

        return b.Append('"').ToString();
    }

    // ---- CSS ----

    public static bool IsCssNmchar(char r) => r is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or >= (char)0x80 and <= (char)0xd7ff or >= (char)0xe000 and <= (char)0xfffd
        || char.IsSurrogate(r);

    private static bool IsCssSpace(char c) => c is '\t' or '\n' or '\f' or '\r' or ' ';

    private static readonly string[] CssReplacementTable = Table(('\0', "\\0"), ('\t', "\\9"), ('\n', "\\a"), ('\f', "\\c"), ('\r', "\\d"), ('"', "\\22"), ('&', "\\26"),
        ('\'', "\\27"), ('(', "\\28"), (')', "\\29"), ('+', "\\2b"), ('/', "\\2f"), (':', "\\3a"), (';', "\\3b"), ('<', "\\3c"), ('>', "\\3e"), ('\\', "\\\\"),
        ('{', "\\7b"), ('}', "\\7d"));

    public static string CssEscaper(object?[] args)
    {
        var s = Stringify(args).Text;
        var b = new StringBuilder(s.Length + 8);
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch < CssReplacementTable.Length && !string.IsNullOrEmpty(CssReplacementTable[ch]))
            {
                var repl = CssReplacementTable[ch];
                b.Append(repl);
                // A hex escape swallows a following hex digit or space; a space ends it.
                if (repl != "\\\\" && (i + 1 == s.Length || IsHex(s[i + 1]) || IsCssSpace(s[i + 1])))
                {
                    b.Append(' ');
                }
            }
            else
            {
                b.Append(ch);
            }
        }

        return b.ToString();
    }

    public static string CssValueFilter(object?[] args)
    {
        var (s, t) = Stringify(args);
        if (t == HtmlContentType.Css)
        {
            return s;
        }

        var decoded = DecodeCss(s);
        var id = new StringBuilder();
        for (var i = 0; i < decoded.Length; i++)
        {
            var c = decoded[i];
            switch (c)
            {
                case '\0' or '"' or '\'' or '(' or ')' or '/' or ';' or '@' or '[' or '\\' or ']' or '`' or '{' or '}':
                    return FilterFailsafe;
                case '-':
                    // "--" could open or close an HTML comment.
                    if (i != 0 && decoded[i - 1] == '-')
                    {
                        return FilterFailsafe;
                    }

                    id.Append(c);
                    break;
                default:
                    if (c < 0x80 && IsCssNmchar(c))
                    {
                        id.Append(c);
                    }

                    break;
            }
        }

        var lower = id.ToString().ToLowerInvariant();
        if (lower.Contains("expression", StringComparison.Ordinal) || lower.Contains("mozbinding", StringComparison.Ordinal))
        {
            return FilterFailsafe;
        }

        return decoded;
    }

    /// <summary>Decodes CSS escapes (\hex with an optional following space, and \c).</summary>
    public static string DecodeCss(string s)
    {
        if (s.IndexOf('\\', StringComparison.Ordinal) < 0)
        {
            return s;
        }

        var b = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            var j = s.IndexOf('\\', i);
            if (j < 0)
            {
                j = s.Length;
            }

            b.Append(s, i, j - i);
            i = j;
            if (s.Length - i < 2)
            {
                break;
            }

            if (IsHex(s[i + 1]))
            {
                var k = i + 2;
                while (k < s.Length && k < i + 7 && IsHex(s[k]))
                {
                    k++;
                }

                var r = int.Parse(s.AsSpan(i + 1, k - i - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (r > 0x10FFFF)
                {
                    r /= 16;
                    k--;
                }

                b.Append(Rune.IsValid(r) ? new Rune(r).ToString() : "\uFFFD");
                i = k;
                // One white space (or CRLF) after a hex escape belongs to it.
                if (i + 1 < s.Length && s[i] == '\r' && s[i + 1] == '\n')
                {
                    i += 2;
                }
                else if (i < s.Length && IsCssSpace(s[i]))
                {
                    i++;
                }
            }
            else
            {
                var n = char.IsHighSurrogate(s[i + 1]) && i + 2 < s.Length ? 2 : 1;
                b.Append(s, i + 1, n);
                i += 1 + n;
            }
        }

        return b.ToString();
    }
}
