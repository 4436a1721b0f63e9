using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Promoter.Templating.Execution;
using Promoter.Templating.Time;

namespace Promoter.Templating.Functions;

/// <summary>
/// prometheus-webhook-dingtalk's own functions: toUpper, toLower and markdown (escapes _ * ` for DingTalk markdown).
/// </summary>
internal static class DingTalkFunctions
{
    [TemplateFunction("toUpper")]
    public static string ToUpper(string s) => s.ToUpperInvariant();

    [TemplateFunction("toLower")]
    public static string ToLower(string s) => s.ToLowerInvariant();

    [TemplateFunction("markdown")]
    public static string Markdown(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var c in s)
        {
            if (c is '_' or '*' or '`')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}

/// <summary>
/// The Sprig v3 functions alert templates use, with Sprig's argument orders and loose conversions. Nothing
/// that reads the machine (env, expandenv, getHostByName) is offered: a template must not leak secrets.
/// </summary>
internal static class SprigFunctions
{
    // ---- strings
    [TemplateFunction("upper")] public static string Upper(string s) => s.ToUpperInvariant();
    [TemplateFunction("lower")] public static string Lower(string s) => s.ToLowerInvariant();
    [TemplateFunction("title")] public static string Title(string s) => TextCasing.TitleKeepRest(s);
    [TemplateFunction("untitle")] public static string Untitle(string s) => string.Join(' ', s.Split(' ').Select(w => w.Length > 0 ? char.ToLowerInvariant(w[0]) + w[1..] : w));
    [TemplateFunction("trim")] public static string Trim(string s) => s.Trim();
    [TemplateFunction("trimAll")] public static string TrimAll(string cut, string s) => s.Trim(cut.ToCharArray());
    [TemplateFunction("trimPrefix")] public static string TrimPrefix(string prefix, string s) => prefix.Length > 0 && s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
    [TemplateFunction("trimSuffix")] public static string TrimSuffix(string suffix, string s) => suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
    [TemplateFunction("contains")] public static bool Contains(string substr, string s) => s.Contains(substr, StringComparison.Ordinal);
    [TemplateFunction("hasPrefix")] public static bool HasPrefix(string prefix, string s) => s.StartsWith(prefix, StringComparison.Ordinal);
    [TemplateFunction("hasSuffix")] public static bool HasSuffix(string suffix, string s) => s.EndsWith(suffix, StringComparison.Ordinal);
    [TemplateFunction("repeat")] public static string Repeat(long count, string s)
    {
        // Checked before allocating: `repeat 10000 (repeat 10000 "x")` would otherwise build 200 MB in one call.
        ExecutionBudget.CheckValue(count <= 0 || s.Length == 0 ? 0 : count > int.MaxValue ? long.MaxValue : count * s.Length, "repeat");
        return count <= 0 || s.Length == 0 ? "" : new StringBuilder(s.Length * (int)count).Insert(0, s, (int)count).ToString();
    }
    [TemplateFunction("replace")] public static string Replace(string old, string @new, string s) => old.Length == 0 ? s : s.Replace(old, @new, StringComparison.Ordinal);
    [TemplateFunction("nospace")] public static string NoSpace(string s) => new(s.Where(c => !char.IsWhiteSpace(c)).ToArray());
    [TemplateFunction("trunc")] public static string Trunc(long c, string s) => c < 0 ? (s.Length + c > 0 ? s[(int)(s.Length + c)..] : s) : (s.Length > c ? s[..(int)c] : s);
    [TemplateFunction("substr")] public static string Substr(long start, long end, string s)
    {
        if (start < 0)
        {
            return s[..(int)Math.Min(Math.Max(end, 0), s.Length)];
        }

        if (end < 0 || end > s.Length)
        {
            return start > s.Length ? "" : s[(int)start..];
        }

        return start > end ? "" : s[(int)start..(int)end];
    }

    [TemplateFunction("abbrev")] public static string Abbrev(long width, string s) => width < 4 || s.Length <= width ? s : s[..(int)(width - 3)] + "...";
    [TemplateFunction("initials")] public static string Initials(string s) => string.Concat(s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w[0]));
    [TemplateFunction("quote")] public static string Quote(params object?[] s) => string.Join(' ', s.Where(x => x is not null).Select(x => Parsing.GoQuote.Quote(ToStr(x))));
    [TemplateFunction("squote")] public static string SQuote(params object?[] s) => string.Join(' ', s.Where(x => x is not null).Select(x => "'" + ToStr(x) + "'"));
    [TemplateFunction("cat")] public static string Cat(params object?[] v) => string.Join(' ', v.Where(x => x is not null).Select(x => GoFmt.ToText(x)));
    [TemplateFunction("indent")] public static string Indent(long spaces, string s)
    {
        spaces = Math.Max(spaces, 0);
        ExecutionBudget.CheckValue(s.Length + (spaces * (s.AsSpan().Count('\n') + 1)), "indent");
        return new string(' ', (int)spaces) + s.Replace("\n", "\n" + new string(' ', (int)spaces), StringComparison.Ordinal);
    }
    [TemplateFunction("nindent")] public static string NIndent(long spaces, string s) => "\n" + Indent(spaces, s);
    [TemplateFunction("plural")] public static string Plural(string one, string many, long count) => count == 1 ? one : many;
    [TemplateFunction("wrap")] public static string Wrap(long width, string s) => s;
    [TemplateFunction("split")] public static Dictionary<string, object?> Split(string sep, string s)
    {
        var parts = s.Split(sep);
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Length; i++)
        {
            d["_" + i.ToString(CultureInfo.InvariantCulture)] = parts[i];
        }

        return d;
    }

    [TemplateFunction("splitList")] public static List<object?> SplitList(string sep, string s) => [.. s.Split(sep)];
    [TemplateFunction("splitn")] public static Dictionary<string, object?> SplitN(string sep, long n, string s)
    {
        var parts = s.Split(sep, (int)Math.Max(n, 1));
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Length; i++)
        {
            d["_" + i.ToString(CultureInfo.InvariantCulture)] = parts[i];
        }

        return d;
    }

    [TemplateFunction("join")] public static string Join(string sep, object? v) => string.Join(sep, ToStrings(v));
    [TemplateFunction("sortAlpha")] public static List<object?> SortAlpha(object? v)
    {
        var l = ToStrings(v).ToList();
        l.Sort(StringComparer.Ordinal);
        return [.. l];
    }

    [TemplateFunction("toString")] public static string ToStringFunc(object? v) => ToStr(v);
    [TemplateFunction("toStrings")] public static string[] ToStringsFunc(object? v) => ToStrings(v).ToArray();

    // ---- defaults and flow
    [TemplateFunction("default")] public static object? Default(object? d, params object?[] given) => given.Length == 0 || !GoTypes.IsTrue(given[0]) ? d : given[0];
    [TemplateFunction("empty")] public static bool Empty(object? v) => !GoTypes.IsTrue(v);
    [TemplateFunction("coalesce")] public static object? Coalesce(params object?[] v) => v.FirstOrDefault(GoTypes.IsTrue);
    [TemplateFunction("all")] public static bool All(params object?[] v) => v.All(GoTypes.IsTrue);
    [TemplateFunction("any")] public static bool Any(params object?[] v) => v.Any(GoTypes.IsTrue);
    [TemplateFunction("ternary")] public static object? Ternary(object? vt, object? vf, bool v) => v ? vt : vf;
    [TemplateFunction("toJson")] public static string ToJson(object? v)
    {
        try
        {
            return GoJson.Marshal(v);
        }
        catch (GoError)
        {
            return "";
        }
    }

    [TemplateFunction("mustToJson")] public static string MustToJson(object? v) => GoJson.Marshal(v);
    [TemplateFunction("toRawJson")] public static string ToRawJson(object? v) => GoJson.Marshal(v).Replace("\\u003c", "<", StringComparison.Ordinal).Replace("\\u003e", ">", StringComparison.Ordinal).Replace("\\u0026", "&", StringComparison.Ordinal);
    [TemplateFunction("typeOf")] public static string TypeOf(object? v) => v is null ? "<nil>" : GoTypes.Of(v).Name;
    [TemplateFunction("kindIs")] public static bool KindIs(string kind, object? v) => KindOf(v) == kind;
    [TemplateFunction("kindOf")] public static string KindOf(object? v) => v is null ? "invalid" : GoTypes.Of(v).Kind switch
    {
        GoKind.Int => v is IGoInteger ? "int64" : "int",
        GoKind.Uint => "uint",
        GoKind.Float => "float64",
        GoKind.Interface => "interface",
        var k => k.ToString().ToLowerInvariant(),
    };

    // ---- lists
    [TemplateFunction("list")] public static List<object?> List(params object?[] v) => [.. v];
    [TemplateFunction("first")] public static object? First(object? l) => Items(l).FirstOrDefault();
    [TemplateFunction("last")] public static object? Last(object? l) => Items(l).LastOrDefault();
    [TemplateFunction("rest")] public static List<object?> Rest(object? l) => [.. Items(l).Skip(1)];
    [TemplateFunction("initial")] public static List<object?> Initial(object? l) => [.. Items(l).SkipLast(1)];
    [TemplateFunction("append")] public static List<object?> Append(object? l, object? v) => [.. Items(l), v];
    [TemplateFunction("push")] public static List<object?> Push(object? l, object? v) => [.. Items(l), v];
    [TemplateFunction("prepend")] public static List<object?> Prepend(object? l, object? v) => [v, .. Items(l)];
    [TemplateFunction("concat")] public static List<object?> Concat(params object?[] lists) => [.. lists.SelectMany(Items)];
    [TemplateFunction("reverse")] public static List<object?> Reverse(object? l) => [.. Items(l).Reverse()];
    [TemplateFunction("uniq")] public static List<object?> Uniq(object? l) => [.. Items(l).Distinct()];
    [TemplateFunction("compact")] public static List<object?> Compact(object? l) => [.. Items(l).Where(GoTypes.IsTrue)];
    [TemplateFunction("has")] public static bool Has(object? needle, object? l) => Items(l).Any(x => Equals(x, needle));
    [TemplateFunction("without")] public static List<object?> Without(object? l, params object?[] omit) => [.. Items(l).Where(x => !omit.Contains(x))];
    [TemplateFunction("until")] public static List<object?> Until(long n) => [.. Enumerable.Range(0, (int)Math.Clamp(n, 0, 100000)).Select(i => (object?)(long)i)];
    [TemplateFunction("seq")] public static string Seq(params long[] p) => p.Length switch
    {
        1 => string.Join(' ', LongRange(1, p[0], 1)),
        2 => string.Join(' ', LongRange(p[0], p[1], 1)),
        3 => string.Join(' ', LongRange(p[0], p[2], p[1])),
        _ => "",
    };

    private static IEnumerable<long> LongRange(long from, long to, long step)
    {
        if (step == 0)
        {
            yield break;
        }

        var count = 0;
        for (var i = from; step > 0 ? i <= to : i >= to; i += step)
        {
            if (++count > 100000)
            {
                yield break;
            }

            yield return i;
        }
    }

    // ---- dicts
    [TemplateFunction("dict")] public static Dictionary<string, object?> Dict(params object?[] kv)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < kv.Length; i += 2)
        {
            d[ToStr(kv[i])] = i + 1 < kv.Length ? kv[i + 1] : "";
        }

        return d;
    }

    [TemplateFunction("get")] public static object? Get(object? d, string key) => d is not null && Executor.TryMapIndex(d, key, out var v) ? v : "";
    [TemplateFunction("hasKey")] public static bool HasKey(object? d, string key) => d is not null && Executor.TryMapIndex(d, key, out _);
    [TemplateFunction("set")] public static Dictionary<string, object?> Set(Dictionary<string, object?> d, string key, object? value)
    {
        d[key] = value;
        return d;
    }

    [TemplateFunction("unset")] public static Dictionary<string, object?> Unset(Dictionary<string, object?> d, string key)
    {
        d.Remove(key);
        return d;
    }

    [TemplateFunction("keys")] public static List<object?> Keys(params object?[] dicts) => [.. dicts.Where(d => d is not null).SelectMany(d => GoFmt.SortedEntries(d!).Select(e => e.Key))];
    [TemplateFunction("values")] public static List<object?> Values(object? d) => d is null ? [] : [.. GoFmt.SortedEntries(d).Select(e => e.Value)];
    [TemplateFunction("pluck")] public static List<object?> Pluck(string key, params object?[] dicts) => [.. dicts.Where(d => d is not null && Executor.TryMapIndex(d, key, out _)).Select(d => { Executor.TryMapIndex(d!, key, out var v); return v; })];

    // ---- math (Sprig converts loosely to int64 / float64)
    [TemplateFunction("add")] public static long Add(params object?[] v) => v.Sum(ToInt64);
    [TemplateFunction("add1")] public static long Add1(object? v) => ToInt64(v) + 1;
    [TemplateFunction("sub")] public static long Sub(object? a, object? b) => ToInt64(a) - ToInt64(b);
    [TemplateFunction("mul")] public static long Mul(object? a, params object?[] v) => v.Aggregate(ToInt64(a), (acc, x) => acc * ToInt64(x));
    [TemplateFunction("div")] public static long Div(object? a, object? b) => ToInt64(b) == 0 ? throw new GoError("runtime error: integer divide by zero") : ToInt64(a) / ToInt64(b);
    [TemplateFunction("mod")] public static long Mod(object? a, object? b) => ToInt64(b) == 0 ? throw new GoError("runtime error: integer divide by zero") : ToInt64(a) % ToInt64(b);
    [TemplateFunction("max")] public static long Max(object? a, params object?[] v) => v.Select(ToInt64).Append(ToInt64(a)).Max();
    [TemplateFunction("min")] public static long Min(object? a, params object?[] v) => v.Select(ToInt64).Append(ToInt64(a)).Min();
    [TemplateFunction("floor")] public static double Floor(object? a) => Math.Floor(ToFloat64(a));
    [TemplateFunction("ceil")] public static double Ceil(object? a) => Math.Ceiling(ToFloat64(a));
    [TemplateFunction("round")] public static double Round(object? a, long places, params double[] roundOn)
    {
        var pow = Math.Pow(10, places);
        var r = roundOn.Length > 0 ? roundOn[0] : 0.5;
        var digit = ToFloat64(a) * pow;
        var whole = Math.Truncate(digit);
        return (digit - whole >= r ? whole + 1 : whole) / pow;
    }

    [TemplateFunction("int")] public static long Int(object? v) => ToInt64(v);
    [TemplateFunction("int64")] public static long Int64(object? v) => ToInt64(v);
    [TemplateFunction("float64")] public static double Float64(object? v) => ToFloat64(v);
    [TemplateFunction("atoi")] public static long Atoi(string s) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
    [TemplateFunction("addf")] public static double AddF(params object?[] v) => v.Sum(ToFloat64);
    [TemplateFunction("subf")] public static double SubF(object? a, params object?[] v) => v.Aggregate(ToFloat64(a), (acc, x) => acc - ToFloat64(x));
    [TemplateFunction("mulf")] public static double MulF(object? a, params object?[] v) => v.Aggregate(ToFloat64(a), (acc, x) => acc * ToFloat64(x));
    [TemplateFunction("divf")] public static double DivF(object? a, params object?[] v) => v.Aggregate(ToFloat64(a), (acc, x) => acc / ToFloat64(x));

    // ---- dates (Sprig: Go layouts, the process's local zone)
    [TemplateFunction("now")] public static GoTime Now() => GoTime.Now(AlertmanagerFunctions.Clock);
    [TemplateFunction("date")] public static string Date(string layout, object? date) => ToTime(date).Local().Format(layout);
    [TemplateFunction("dateInZone")]
    [TemplateFunction("date_in_zone")]
    public static string DateInZone(string layout, object? date, string zone) => ToTime(date).In(GoLocation.Load(zone) ?? GoLocation.Utc).Format(layout);
    [TemplateFunction("htmlDate")] public static string HtmlDate(object? date) => Date("2006-01-02", date);
    [TemplateFunction("htmlDateInZone")] public static string HtmlDateInZone(object? date, string zone) => DateInZone("2006-01-02", date, zone);
    [TemplateFunction("unixEpoch")] public static string UnixEpoch(GoTime t) => t.Unix().ToString(CultureInfo.InvariantCulture);
    [TemplateFunction("ago")] public static string Ago(object? date) => new GoDuration(GoTime.Now(AlertmanagerFunctions.Clock).Sub(ToTime(date)).Round(new GoDuration(GoDuration.Second)).Nanoseconds).String();
    [TemplateFunction("duration")] public static string Duration(object? sec) => new GoDuration(ToInt64(sec) * GoDuration.Second).String();
    [TemplateFunction("toDate")] public static GoTime ToDate(string layout, string value)
    {
        try
        {
            return GoLayout.Parse(layout, value, GoLocation.Local);
        }
        catch (FormatException)
        {
            return GoTime.Zero;
        }
    }

    [TemplateFunction("mustToDate")] public static GoTime MustToDate(string layout, string value)
    {
        try
        {
            return GoLayout.Parse(layout, value, GoLocation.Local);
        }
        catch (FormatException e)
        {
            throw new GoError(e.Message);
        }
    }

    // ---- regex (Sprig order: regex first, subject, then replacement)
    [TemplateFunction("regexMatch")] public static bool RegexMatch(string regex, string s) => GoRegex.Compile(regex).IsMatch(s);
    [TemplateFunction("regexFind")] public static string RegexFind(string regex, string s) => GoRegex.Compile(regex).Match(s).Value;
    [TemplateFunction("regexFindAll")] public static List<object?> RegexFindAll(string regex, string s, long n) => [.. GoRegex.Compile(regex).Matches(s).Select(m => (object?)m.Value).Take(n < 0 ? int.MaxValue : (int)n)];
    [TemplateFunction("regexReplaceAll")] public static string RegexReplaceAll(string regex, string s, string repl) => GoRegex.ReplaceAll(GoRegex.Compile(regex), s, repl);
    [TemplateFunction("regexReplaceAllLiteral")] public static string RegexReplaceAllLiteral(string regex, string s, string repl) => GoRegex.Compile(regex).Replace(s, repl.Replace("$", "$$", StringComparison.Ordinal));
    [TemplateFunction("regexSplit")] public static List<object?> RegexSplit(string regex, string s, long n) => [.. GoRegex.Compile(regex).Split(s).Take(n < 0 ? int.MaxValue : (int)n)];
    [TemplateFunction("regexQuoteMeta")] public static string RegexQuoteMeta(string s) => System.Text.RegularExpressions.Regex.Escape(s);

    // ---- encoding
    [TemplateFunction("b64enc")] public static string B64Enc(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
    [TemplateFunction("b64dec")] public static string B64Dec(string s)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(s));
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    [TemplateFunction("sha256sum")] public static string Sha256Sum(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
    [TemplateFunction("sha1sum")] public static string Sha1Sum(string s) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(s)));
    [TemplateFunction("fromJson")] public static object? FromJson(string s)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(s);
            return FromJsonElement(doc.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static object? FromJsonElement(System.Text.Json.JsonElement e) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJsonElement(p.Value), StringComparer.Ordinal),
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().Select(FromJsonElement).ToList(),
        System.Text.Json.JsonValueKind.String => e.GetString(),
        System.Text.Json.JsonValueKind.Number => e.GetDouble(),
        System.Text.Json.JsonValueKind.True => true,
        System.Text.Json.JsonValueKind.False => false,
        _ => null,
    };

    // ---- conversions (cast.ToInt64E / ToFloat64E semantics, errors become 0)
    internal static long ToInt64(object? v) => v switch
    {
        null => 0,
        long l => l,
        int i => i,
        ulong u => (long)u,
        byte b => b,
        double d => (long)d,
        bool b2 => b2 ? 1 : 0,
        IGoInteger g => g.Value,
        string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0,
        _ => 0,
    };

    internal static double ToFloat64(object? v) => v switch
    {
        null => 0,
        double d => d,
        long l => l,
        int i => i,
        ulong u => u,
        byte b => b,
        bool b2 => b2 ? 1 : 0,
        IGoInteger g => g.Value,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : 0,
        _ => 0,
    };

    private static GoTime ToTime(object? v) => v switch
    {
        GoTime t => t,
        long l => GoTime.FromUnix(l, 0),
        int i => GoTime.FromUnix(i, 0),
        _ => GoTime.Now(AlertmanagerFunctions.Clock),
    };

    private static string ToStr(object? v) => v switch
    {
        null => "<nil>",
        string s => s,
        _ => GoFmt.ToText(v),
    };

    private static IEnumerable<object?> Items(object? l) => l switch
    {
        null => [],
        string => throw new GoError($"Cannot find first on type string"),
        IEnumerable e when GoTypes.Of(l).Kind == GoKind.Slice => e.Cast<object?>(),
        _ => throw new GoError($"Cannot find first on type {GoTypes.Of(l).Name}"),
    };

    private static IEnumerable<string> ToStrings(object? v) => v switch
    {
        null => [],
        string s => [s],
        IEnumerable e when GoTypes.Of(v).Kind == GoKind.Slice => e.Cast<object?>().Where(x => x is not null).Select(ToStr),
        _ => [ToStr(v)],
    };
}
