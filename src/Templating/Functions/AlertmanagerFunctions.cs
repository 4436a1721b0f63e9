using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Promoter.Templating.Execution;
using Promoter.Templating.Time;

namespace Promoter.Templating.Functions;

/// <summary>The functions of Alertmanager's template package, with its argument order (pipe-friendly: the subject last).</summary>
internal static class AlertmanagerFunctions
{
    /// <summary>The clock for now/since; tests replace it.</summary>
    internal static TimeProvider Clock { get; set; } = TimeProvider.System;

    [TemplateFunction("toUpper")]
    public static string ToUpper(string s) => s.ToUpperInvariant();

    [TemplateFunction("toLower")]
    public static string ToLower(string s) => s.ToLowerInvariant();

    /// <summary>cases.Title(language.AmericanEnglish): each word capitalised, the rest lower-cased ("hELLO" → "Hello").</summary>
    [TemplateFunction("title")]
    public static string Title(string s) => TextCasing.TitleLowerRest(s);

    [TemplateFunction("trimSpace")]
    public static string TrimSpace(string s) => s.Trim(' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u00A0');

    /// <summary>strings.Join with the separator first, so a list can be piped in.</summary>
    [TemplateFunction("join")]
    public static string Join(string sep, string[] s) => string.Join(sep, s);

    [TemplateFunction("match")]
    public static bool Match(string pattern, string s) => GoRegex.Compile(pattern).IsMatch(s);

    [TemplateFunction("safeHtml")]
    public static HtmlString SafeHtml(string s) => new(s);

    [TemplateFunction("safeUrl")]
    public static UrlString SafeUrl(string s) => new(s);

    [TemplateFunction("urlUnescape")]
    public static string UrlUnescape(string s) => GoUrl.QueryUnescape(s);

    [TemplateFunction("reReplaceAll")]
    public static string ReReplaceAll(string pattern, string repl, string text) => GoRegex.ReplaceAll(GoRegex.Compile(pattern), text, repl);

    [TemplateFunction("stringSlice")]
    public static string[] StringSlice(params string[] s) => s;

    [TemplateFunction("date")]
    public static string Date(string layout, GoTime t) => t.Format(layout);

    [TemplateFunction("tz")]
    public static GoTime Tz(string name, GoTime t)
    {
        var loc = GoLocation.Load(name) ?? throw new GoError($"unknown time zone {name}");
        return t.In(loc);
    }

    [TemplateFunction("since")]
    public static GoDuration Since(GoTime t) => GoTime.Now(Clock).Sub(t);

    [TemplateFunction("now")]
    public static GoTime Now() => GoTime.Now(Clock);

    [TemplateFunction("humanizeDuration")]
    public static string HumanizeDuration(object? i)
    {
        var v = ToFloat(i);
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            return GoFmt.Sprintf("%.4g", [v]);
        }

        if (v == 0)
        {
            return GoFmt.Sprintf("%.4gs", [v]);
        }

        if (Math.Abs(v) >= 1)
        {
            var sign = "";
            if (v < 0)
            {
                sign = "-";
                v = -v;
            }

            var duration = (long)v;
            var seconds = duration % 60;
            var minutes = duration / 60 % 60;
            var hours = duration / 60 / 60 % 24;
            var days = duration / 60 / 60 / 24;
            if (days != 0)
            {
                return $"{sign}{days}d {hours}h {minutes}m {seconds}s";
            }

            if (hours != 0)
            {
                return $"{sign}{hours}h {minutes}m {seconds}s";
            }

            if (minutes != 0)
            {
                return $"{sign}{minutes}m {seconds}s";
            }

            return sign + GoFmt.Sprintf("%.4gs", [v]);
        }

        var prefix = "";
        foreach (var p in new[] { "m", "u", "n", "p", "f", "a", "z", "y" })
        {
            if (Math.Abs(v) >= 1)
            {
                break;
            }

            prefix = p;
            v *= 1000;
        }

        return GoFmt.Sprintf("%.4g", [v]) + prefix + "s";
    }

    internal static double ToFloat(object? i) => i switch
    {
        double d => d,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new GoError($"strconv.ParseFloat: parsing {GoFmt.Sprintf("%q", [s])}: invalid syntax"),
        GoDuration dur => dur.Seconds(),
        long l => l,
        ulong u => u,
        int n => n,
        byte b => b,
        _ => throw new GoError($"can't convert {GoTypes.Of(i).Name} to float"),
    };

    [TemplateFunction("toJson")]
    public static string ToJson(object? v) => GoJson.Marshal(v);

    [TemplateFunction("list")]
    public static List<object?> List(params object?[] args) => [.. args];

    [TemplateFunction("append")]
    public static List<object?> Append(List<object?> slice, params object?[] args) => [.. slice ?? [], .. args];

    [TemplateFunction("dict")]
    public static Dictionary<string, object?> Dict(params object?[] kv)
    {
        if (kv.Length % 2 != 0)
        {
            throw new GoError("invalid dict call, must have even number of arguments");
        }

        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < kv.Length; i += 2)
        {
            if (kv[i] is not string key)
            {
                throw new GoError($"dict keys must be strings, got {GoTypes.Of(kv[i]).Name}");
            }

            d[key] = kv[i + 1];
        }

        return d;
    }

    [TemplateFunction("toDate")]
    public static GoTime ToDate(string layout, string value)
    {
        try
        {
            return GoLayout.Parse(layout, value, GoLocation.Utc);
        }
        catch (FormatException)
        {
            return GoTime.Zero;
        }
    }

    [TemplateFunction("mustToDate")]
    public static GoTime MustToDate(string layout, string value)
    {
        try
        {
            return GoLayout.Parse(layout, value, GoLocation.Utc);
        }
        catch (FormatException e)
        {
            throw new GoError(e.Message);
        }
    }

    /// <summary>base64.URLEncoding: the URL-safe alphabet, with padding.</summary>
    [TemplateFunction("base64encode")]
    public static string Base64Encode(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).Replace('+', '-').Replace('/', '_');

    [TemplateFunction("base64decode")]
    public static string Base64Decode(string s)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/')));
        }
        catch (FormatException)
        {
            throw new GoError("illegal base64 data at input byte 0");
        }
    }
}

/// <summary>Go's RE2 regular expressions on .NET's engine, and Go's $1 / ${name} replacement expansion.</summary>
internal static class GoRegex
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static Regex Compile(string pattern)
    {
        if (Cache.TryGetValue(pattern, out var r))
        {
            return r;
        }

        try
        {
            // RE2 has no backreferences or lookaround; the shared syntax means the same in both engines.
            // Go spells named groups (?P<name>…); .NET spells them (?<name>…).
            r = new Regex(pattern.Replace("(?P<", "(?<", StringComparison.Ordinal), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new GoError($"regexp: Compile({GoFmt.Sprintf("%q", [pattern])}): error parsing regexp: {e.Message}");
        }

        if (Cache.Count < 1000)
        {
            Cache[pattern] = r;
        }

        return r;
    }

    /// <summary>Regexp.ReplaceAllString: in the replacement, $name is the longest run of letters, digits and underscores.</summary>
    public static string ReplaceAll(Regex re, string text, string repl) => re.Replace(text, m => Expand(re, m, repl));

    private static string Expand(Regex re, Match m, string template)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c != '$' || i + 1 >= template.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }

            if (template[i + 1] == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }

            string name;
            var j = i + 1;
            if (template[j] == '{')
            {
                var close = template.IndexOf('}', j);
                if (close < 0)
                {
                    sb.Append(c);
                    i++;
                    continue;
                }

                name = template[(j + 1)..close];
                j = close + 1;
                if (name.Length == 0 || !name.All(ch => char.IsLetterOrDigit(ch) || ch == '_'))
                {
                    sb.Append(c);
                    i++;
                    continue;
                }
            }
            else
            {
                var k = j;
                while (k < template.Length && (char.IsLetterOrDigit(template[k]) || template[k] == '_'))
                {
                    k++;
                }

                if (k == j)
                {
                    sb.Append(c);
                    i++;
                    continue;
                }

                name = template[j..k];
                j = k;
            }

            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var num))
            {
                if (num < m.Groups.Count && re.GroupNameFromNumber(num) == num.ToString(CultureInfo.InvariantCulture) || num == 0)
                {
                    sb.Append(m.Groups[num].Value);
                }
            }
            else if (re.GroupNumberFromName(name) >= 0)
            {
                sb.Append(m.Groups[name].Value);
            }

            i = j;
        }

        return sb.ToString();
    }
}

internal static class GoUrl
{
    public static string QueryUnescape(string s)
    {
        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !Uri.IsHexDigit(s[i + 1]) || !Uri.IsHexDigit(s[i + 2]))
                {
                    var bad = s[i..Math.Min(i + 3, s.Length)];
                    throw new GoError($"invalid URL escape {GoFmt.Sprintf("%q", [bad])}");
                }

                bytes.Add((byte)Convert.ToInt32(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

internal static class TextCasing
{
    /// <summary>Title case with the rest of each word lower-cased; words break at spaces and punctuation other than ' . : _ between letters.</summary>
    public static string TitleLowerRest(string s)
    {
        var sb = new StringBuilder(s.Length);
        var inWord = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var wordChar = char.IsLetterOrDigit(c) || c == '_' ||
                           (inWord && c is '\'' or '.' or ':' && i + 1 < s.Length && char.IsLetter(s[i + 1]));
            if (!wordChar)
            {
                inWord = false;
                sb.Append(c);
                continue;
            }

            sb.Append(inWord ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            inWord = true;
        }

        return sb.ToString();
    }

    /// <summary>Go's strings.Title: upper-cases the first letter of each word, leaves the rest.</summary>
    public static string TitleKeepRest(string s)
    {
        var sb = new StringBuilder(s.Length);
        var prev = ' ';
        foreach (var c in s)
        {
            var sep = !(char.IsLetterOrDigit(prev) || prev == '_');
            sb.Append(sep ? char.ToUpperInvariant(c) : c);
            prev = c;
        }

        return sb.ToString();
    }
}

/// <summary>encoding/json.Marshal for template values: HTML-safe escaping, sorted map keys, Go's float format.</summary>
internal static class GoJson
{
    public static string Marshal(object? v)
    {
        var sb = new StringBuilder();
        Write(sb, v);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null:
                sb.Append("null");
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case string s:
                WriteString(sb, s);
                return;
            case HtmlString h:
                WriteString(sb, h.Value);
                return;
            case long or int or ulong or byte:
                sb.Append(Convert.ToString(v, CultureInfo.InvariantCulture));
                return;
            case GoDuration d:
                sb.Append(d.Nanoseconds.ToString(CultureInfo.InvariantCulture));
                return;
            case IGoInteger gi:
                sb.Append(gi.Value.ToString(CultureInfo.InvariantCulture));
                return;
            case double f:
                if (double.IsNaN(f) || double.IsInfinity(f))
                {
                    throw new GoError($"json: unsupported value: {GoFmt.FormatFloat(f, 'g', -1)}");
                }

                var abs = Math.Abs(f);
                var fmt = abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
                var text = GoFmt.FormatFloat(f, fmt, -1);
                if (fmt == 'e' && text.Length > 4 && text[^4] == 'e' && text[^3] == '-' && text[^2] == '0')
                {
                    text = text[..^2] + text[^1];
                }

                sb.Append(text);
                return;
            case GoTime t:
                WriteString(sb, t.Format("2006-01-02T15:04:05.999999999Z07:00"));
                return;
        }

        var type = GoTypes.Of(v);
        if (type.Kind == GoKind.Map)
        {
            sb.Append('{');
            var first = true;
            foreach (var (k, val) in GoFmt.SortedEntries(v))
            {
                if (!first)
                {
                    sb.Append(',');
                }

                first = false;
                WriteString(sb, GoFmt.ToText(k));
                sb.Append(':');
                Write(sb, val);
            }

            sb.Append('}');
            return;
        }

        if (v is IEnumerable e && type.Kind == GoKind.Slice)
        {
            sb.Append('[');
            var first = true;
            foreach (var item in e)
            {
                if (!first)
                {
                    sb.Append(',');
                }

                first = false;
                Write(sb, item);
            }

            sb.Append(']');
            return;
        }

        if (v is IGoJson custom)
        {
            custom.WriteJson(sb, Write);
            return;
        }

        sb.Append('{');
        var firstField = true;
        foreach (var field in GoMembers.For(v.GetType()).PrintedFields)
        {
            if (!firstField)
            {
                sb.Append(',');
            }

            firstField = false;
            WriteString(sb, field.Name);
            sb.Append(':');
            Write(sb, field.Get(v));
        }

        sb.Append('}');
    }

    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<': sb.Append("\\u003c"); break;
                case '>': sb.Append("\\u003e"); break;
                case '&': sb.Append("\\u0026"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                default:
                    if (c < ' ')
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}

/// <summary>A model type with its own JSON shape (Go json tags).</summary>
internal interface IGoJson
{
    void WriteJson(StringBuilder sb, Action<StringBuilder, object?> write);
}
