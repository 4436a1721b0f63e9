using System.Collections;
using System.Globalization;
using System.Text;
using Promoter.Templating.Parsing;
using Promoter.Templating.Time;

namespace Promoter.Templating.Execution;

/// <summary>
/// Go's fmt for the values templates print: Sprint/Sprintln/Sprintf with the usual verbs and flags, %v of
/// floats as strconv's shortest 'g' (1e+06), slices as [a b], maps as map[k:v] with sorted keys, structs as
/// {a b}, Stringers through String(), and Go's %!verb(type=value) for mismatches.
/// </summary>
internal static class GoFmt
{
    public static string Sprint(IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            // Spaces go between operands when neither is a string.
            if (i > 0 && !IsString(args[i]) && !IsString(args[i - 1]))
            {
                sb.Append(' ');
            }

            Print(sb, args[i], 'v', default);
        }

        return sb.ToString();
    }

    public static string Sprintln(IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            Print(sb, args[i], 'v', default);
        }

        return sb.Append('\n').ToString();
    }

    private static bool IsString(object? v) => v is string;

    /// <summary>The text <c>{{ value }}</c> prints (fmt.Fprint of one operand).</summary>
    public static void PrintValue(StringBuilder sb, object? v) => Print(sb, v, 'v', default);

    public static string ToText(object? v)
    {
        if (v is string s)
        {
            return s;
        }

        var sb = new StringBuilder();
        Print(sb, v, 'v', default);
        return sb.ToString();
    }

    private struct Flags
    {
        public bool Minus;
        public bool Plus;
        public bool Sharp;
        public bool Space;
        public bool Zero;
        public int Width;
        public int Precision;
        public bool HasWidth;
        public bool HasPrecision;
        public bool PlusV;
        public bool SharpV;
    }

    public static string Sprintf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder(format.Length + 16);
        var argNum = 0;
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%')
            {
                var next = format.IndexOf('%', i);
                if (next < 0)
                {
                    next = format.Length;
                }

                sb.Append(format, i, next - i);
                i = next;
                continue;
            }

            i++;
            var f = default(Flags);
            for (; i < format.Length; i++)
            {
                var fc = format[i];
                if (fc == '#') { f.Sharp = true; }
                else if (fc == '0') { f.Zero = !f.Minus; }
                else if (fc == '+') { f.Plus = true; }
                else if (fc == '-') { f.Minus = true; f.Zero = false; }
                else if (fc == ' ') { f.Space = true; }
                else { break; }
            }

            // Width.
            if (i < format.Length && format[i] == '*')
            {
                i++;
                if (argNum < args.Count && ToIntArg(args[argNum], out var w))
                {
                    f.Width = w;
                    f.HasWidth = true;
                    if (w < 0)
                    {
                        f.Minus = true;
                        f.Width = -w;
                        f.Zero = false;
                    }
                }
                else
                {
                    sb.Append("%!(BADWIDTH)");
                }

                argNum++;
            }
            else
            {
                var start = i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    i++;
                }

                if (i > start)
                {
                    // Go's parsenum: a number over 1e6 is "too large" and ends the verb (%!(NOVERB)); it also keeps a
                    // template from asking for a gigabyte of padding (what passes is then held to the output limit).
                    if (!TryParseNum(format.AsSpan(start, i - start), out var w))
                    {
                        i = format.Length;
                    }
                    else
                    {
                        f.Width = w;
                        f.HasWidth = true;
                    }
                }
            }

            // Precision.
            if (i < format.Length && format[i] == '.')
            {
                i++;
                f.HasPrecision = true;
                if (i < format.Length && format[i] == '*')
                {
                    i++;
                    if (argNum < args.Count && ToIntArg(args[argNum], out var p))
                    {
                        f.Precision = p;
                        if (p < 0)
                        {
                            f.HasPrecision = false;
                        }
                    }
                    else
                    {
                        sb.Append("%!(BADPREC)");
                    }

                    argNum++;
                }
                else
                {
                    var start = i;
                    while (i < format.Length && char.IsAsciiDigit(format[i]))
                    {
                        i++;
                    }

                    if (i > start && !TryParseNum(format.AsSpan(start, i - start), out f.Precision))
                    {
                        i = format.Length;
                    }
                }
            }

            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }

            var verb = char.ConvertToUtf32(format, i);
            i += verb > 0xFFFF ? 2 : 1;
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }

            if (argNum >= args.Count)
            {
                sb.Append("%!").Append(char.ConvertFromUtf32(verb)).Append("(MISSING)");
                continue;
            }

            var arg = args[argNum++];
            if (verb == 'v')
            {
                if (f.Sharp)
                {
                    f.Sharp = false;
                    f.SharpV = true;
                }

                if (f.Plus)
                {
                    f.Plus = false;
                    f.PlusV = true;
                }
            }

            Print(sb, arg, verb, f);
        }

        if (argNum < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (var k = argNum; k < args.Count; k++)
            {
                if (k > argNum)
                {
                    sb.Append(", ");
                }

                var a = args[k];
                if (a is null)
                {
                    sb.Append("<nil>");
                }
                else
                {
                    sb.Append(GoTypes.Of(a).Name).Append('=');
                    Print(sb, a, 'v', default);
                }
            }

            sb.Append(')');
        }

        return sb.ToString();
    }

    // Go's fmt.tooLarge: widths and precisions beyond ±1e6 are refused.
    private const int MaxWidth = 1_000_000;

    /// <summary>Go's parsenum: "too large" is checked before each further digit, so up to 7 digits pass.</summary>
    private static bool TryParseNum(ReadOnlySpan<char> digits, out int n)
    {
        n = 0;
        foreach (var c in digits)
        {
            if (n > MaxWidth)
            {
                n = 0;
                return false;
            }

            n = (n * 10) + (c - '0');
        }

        return true;
    }

    private static bool ToIntArg(object? v, out int n)
    {
        long value;
        switch (v)
        {
            case long l: value = l; break;
            case int i: value = i; break;
            case ulong u: value = u > MaxWidth ? long.MaxValue : (long)u; break;
            case byte b: value = b; break;
            default: n = 0; return false;
        }

        n = 0;
        if (value is > MaxWidth or < -MaxWidth)
        {
            return false;
        }

        n = (int)value;
        return true;
    }

    private static void Print(StringBuilder sb, object? arg, int verb, Flags f)
    {
        if (arg is null)
        {
            switch (verb)
            {
                case 'T' or 'v':
                    Pad(sb, "<nil>", f);
                    break;
                default:
                    BadVerb(sb, verb, null);
                    break;
            }

            return;
        }

        if (verb == 'T')
        {
            Pad(sb, GoTypes.Of(arg).Name, f);
            return;
        }

        if (verb == 'v' && f.SharpV && arg is not (double or float or System.Numerics.Complex))
        {
            var syntax = new StringBuilder();
            GoSyntax(syntax, arg, GoTypes.Of(arg));
            Pad(sb, syntax.ToString(), f);
            return;
        }

        switch (arg)
        {
            case bool b:
                if (verb is 't' or 'v')
                {
                    Pad(sb, b ? "true" : "false", f);
                }
                else
                {
                    BadVerb(sb, verb, arg);
                }

                return;
            case long l:
                FormatInteger(sb, l < 0, l < 0 ? (ulong)(-(l + 1)) + 1 : (ulong)l, verb, f, arg);
                return;
            case int i32:
                FormatInteger(sb, i32 < 0, (ulong)Math.Abs((long)i32), verb, f, arg);
                return;
            case ulong u:
                FormatInteger(sb, false, u, verb, f, arg);
                return;
            case byte b8:
                FormatInteger(sb, false, b8, verb, f, arg);
                return;
            case double d:
                FormatFloatVerb(sb, d, verb, f, arg);
                return;
            case float fl:
                FormatFloatVerb(sb, fl, verb, f, arg);
                return;
            case string s:
                FormatString(sb, s, verb, f, arg);
                return;
        }

        // Stringers and errors use their method for the string verbs.
        if (verb is 'v' or 's' or 'x' or 'X' or 'q' && !f.SharpV)
        {
            switch (arg)
            {
                case GoError e:
                    FormatString(sb, e.Message, verb, f, arg);
                    return;
                case IGoStringer st:
                    FormatString(sb, st.String(), verb, f, arg);
                    return;
                case HtmlString h:
                    FormatString(sb, h.Value, verb, f, arg);
                    return;
                case UrlString u2:
                    FormatString(sb, u2.Value, verb, f, arg);
                    return;
            }

            var stringer = GoMembers.For(arg.GetType()).StringMethod;
            if (stringer is not null)
            {
                FormatString(sb, (string)stringer.Invoke(arg, null)!, verb, f, arg);
                return;
            }
        }

        switch (arg)
        {
            case IGoInteger gi:
                FormatInteger(sb, gi.Value < 0, gi.Value < 0 ? (ulong)(-(gi.Value + 1)) + 1 : (ulong)gi.Value, verb, f, arg);
                return;
            case HtmlString h2:
                FormatString(sb, h2.Value, verb, f, arg);
                return;
            case System.Numerics.Complex c:
                sb.Append('(');
                FormatFloatVerb(sb, c.Real, verb, f, c.Real);
                var im = new StringBuilder();
                FormatFloatVerb(im, c.Imaginary, verb, f with { Plus = true }, c.Imaginary);
                sb.Append(im).Append("i)");
                return;
            case Delegate:
                sb.Append("0x1");
                return;
        }

        var type = GoTypes.Of(arg);
        switch (type.Kind)
        {
            case GoKind.Map:
                {
                    sb.Append("map[");
                    var first = true;
                    foreach (var (k, v) in SortedEntries(arg))
                    {
                        if (!first)
                        {
                            sb.Append(' ');
                        }

                        first = false;
                        Print(sb, k, verb, f);
                        sb.Append(':');
                        Print(sb, v, verb, f);
                    }

                    sb.Append(']');
                    return;
                }

            case GoKind.Slice when arg is IEnumerable e:
                {
                    sb.Append('[');
                    var first = true;
                    foreach (var item in e)
                    {
                        if (!first)
                        {
                            sb.Append(' ');
                        }

                        first = false;
                        Print(sb, item, verb, f);
                    }

                    sb.Append(']');
                    return;
                }

            default:
                {
                    var members = GoMembers.For(arg.GetType());
                    sb.Append('{');
                    var first = true;
                    foreach (var field in members.PrintedFields)
                    {
                        var value = field.Get(arg);
                        if (field.OmitWhenEmpty && !GoTypes.IsTrue(value))
                        {
                            continue;
                        }

                        if (!first)
                        {
                            sb.Append(' ');
                        }

                        first = false;
                        if (f.PlusV)
                        {
                            sb.Append(field.Name).Append(':');
                        }

                        Print(sb, value, verb, f);
                    }

                    sb.Append('}');
                    return;
                }
        }
    }

    /// <summary>
    /// %#v: the value in Go syntax, as fmt prints it (amtool's <c>printf "%#v" .</c> shows template.Data{…}):
    /// composite values with their type name (template.KV{"a":"b"}, []string{"x"}, template.Alert{Status:"firing", …}),
    /// nil maps and slices as T(nil), nil in an interface slot as interface {}(nil), strings quoted, and times
    /// through time.Time's GoString: time.Date(2026, time.November, 21, 22, 45, 2, 568000000, time.UTC).
    /// </summary>
    private static void GoSyntax(StringBuilder sb, object? value, GoType slot)
    {
        if (value is null)
        {
            sb.Append(slot.Kind is GoKind.Map or GoKind.Slice ? $"{slot.Name}(nil)" : slot.Kind == GoKind.Interface ? $"{slot.Name}(nil)" : "<nil>");
            return;
        }

        switch (value)
        {
            case string s:
                sb.Append(GoQuote.Quote(s));
                return;
            case HtmlString h:
                sb.Append(GoQuote.Quote(h.Value));
                return;
            case UrlString u:
                sb.Append(GoQuote.Quote(u.Value));
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case long or int or ulong or byte:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case IGoInteger gi:
                sb.Append(gi.Value.ToString(CultureInfo.InvariantCulture));
                return;
            case double or float or System.Numerics.Complex:
                Print(sb, value, 'v', default);
                return;
            case GoTime t:
                AppendTimeGoString(sb, t);
                return;
        }

        var type = GoTypes.Of(value);
        switch (type.Kind)
        {
            case GoKind.Map:
                {
                    sb.Append(type.Name).Append('{');
                    var first = true;
                    foreach (var (k, v) in SortedEntries(value))
                    {
                        if (!first)
                        {
                            sb.Append(", ");
                        }

                        first = false;
                        GoSyntax(sb, k, type.Key ?? GoType.String);
                        sb.Append(':');
                        GoSyntax(sb, v, type.Elem ?? GoType.Any);
                    }

                    sb.Append('}');
                    return;
                }

            case GoKind.Slice when value is IEnumerable e:
                {
                    sb.Append(type.Name).Append('{');
                    var first = true;
                    foreach (var item in e)
                    {
                        if (!first)
                        {
                            sb.Append(", ");
                        }

                        first = false;
                        GoSyntax(sb, item, type.Elem ?? GoType.Any);
                    }

                    sb.Append('}');
                    return;
                }

            case GoKind.Struct:
                {
                    var members = GoMembers.For(value.GetType());
                    sb.Append(type.Name).Append('{');
                    var first = true;
                    foreach (var field in members.PrintedFields)
                    {
                        var fieldValue = field.Get(value);
                        if (field.OmitWhenEmpty && !GoTypes.IsTrue(fieldValue))
                        {
                            continue;
                        }

                        if (!first)
                        {
                            sb.Append(", ");
                        }

                        first = false;
                        sb.Append(field.Name).Append(':');
                        GoSyntax(sb, fieldValue, fieldValue is null ? GoType.Any : GoTypes.Of(fieldValue));
                    }

                    sb.Append('}');
                    return;
                }

            default:
                Print(sb, value, 'v', default);
                return;
        }
    }

    private static readonly string[] MonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    /// <summary>time.Time's GoString.</summary>
    private static void AppendTimeGoString(StringBuilder sb, GoTime t)
    {
        var month = t.Month().Value;
        sb.Append("time.Date(").Append(t.Year().ToString(CultureInfo.InvariantCulture)).Append(", ");
        sb.Append(month is >= 1 and <= 12 ? "time." + MonthNames[month - 1] : month.ToString(CultureInfo.InvariantCulture));
        foreach (var part in new[] { t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() })
        {
            sb.Append(", ").Append(part.ToString(CultureInfo.InvariantCulture));
        }

        var location = t.Location();
        sb.Append(", ").Append(ReferenceEquals(location, GoLocation.Utc) ? "time.UTC"
            : ReferenceEquals(location, GoLocation.Local) ? "time.Local"
            : $"time.Location({GoQuote.Quote(location.Name)})").Append(')');
    }

    /// <summary>Map entries in Go's fmtsort order: numbers numerically, strings byte-wise.</summary>
    public static IEnumerable<(object? Key, object? Value)> SortedEntries(object map)
    {
        var list = new List<(object? Key, object? Value)>();
        if (map is IDictionary d)
        {
            foreach (DictionaryEntry e in d)
            {
                list.Add((e.Key, e.Value));
            }
        }
        else if (map is IEnumerable<KeyValuePair<string, string>> kv)
        {
            foreach (var e in kv)
            {
                list.Add((e.Key, e.Value));
            }
        }
        else if (map is IEnumerable<KeyValuePair<string, object?>> ko)
        {
            foreach (var e in ko)
            {
                list.Add((e.Key, e.Value));
            }
        }

        list.Sort((a, b) => CompareKeys(a.Key, b.Key));
        return list;
    }

    private static int CompareKeys(object? a, object? b) => (a, b) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y) < 0 ? -1 : string.CompareOrdinal(x, y) > 0 ? 1 : 0,
        (long x, long y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        _ => string.CompareOrdinal(a?.ToString(), b?.ToString()),
    };

    private static void BadVerb(StringBuilder sb, int verb, object? arg)
    {
        sb.Append("%!").Append(char.ConvertFromUtf32(verb)).Append('(');
        if (arg is null)
        {
            sb.Append("<nil>");
        }
        else
        {
            sb.Append(GoTypes.Of(arg).Name).Append('=');
            Print(sb, arg, 'v', default);
        }

        sb.Append(')');
    }

    private static void Pad(StringBuilder sb, string s, Flags f, bool zeroAllowed = true)
    {
        if (!f.HasWidth)
        {
            sb.Append(s);
            return;
        }

        var width = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            width++;
        }

        var pad = f.Width - width;
        if (pad <= 0)
        {
            sb.Append(s);
            return;
        }

        if (f.Minus)
        {
            sb.Append(s).Append(' ', pad);
        }
        else if (f.Zero && zeroAllowed)
        {
            sb.Append('0', pad).Append(s);
        }
        else
        {
            sb.Append(' ', pad).Append(s);
        }
    }

    private static void FormatString(StringBuilder sb, string s, int verb, Flags f, object arg)
    {
        switch (verb)
        {
            case 'v' or 's':
                if (f.SharpV)
                {
                    Pad(sb, GoQuote.Quote(s), f);
                    return;
                }

                Pad(sb, Truncate(s, f), f);
                return;
            case 'q':
                {
                    var t = Truncate(s, f);
                    if (f.Sharp && !t.Contains('`', StringComparison.Ordinal))
                    {
                        Pad(sb, "`" + t + "`", f);
                        return;
                    }

                    Pad(sb, f.Plus ? QuoteAscii(t) : GoQuote.Quote(t), f);
                    return;
                }

            case 'x' or 'X':
                {
                    var bytes = Encoding.UTF8.GetBytes(Truncate(s, f));
                    var hex = new StringBuilder();
                    for (var i = 0; i < bytes.Length; i++)
                    {
                        if (f.Space && i > 0)
                        {
                            hex.Append(' ');
                        }

                        if (f.Sharp && (f.Space || i == 0))
                        {
                            hex.Append(verb == 'x' ? "0x" : "0X");
                        }

                        hex.Append(bytes[i].ToString(verb == 'x' ? "x2" : "X2", CultureInfo.InvariantCulture));
                    }

                    Pad(sb, hex.ToString(), f);
                    return;
                }

            default:
                BadVerb(sb, verb, arg);
                return;
        }
    }

    private static string QuoteAscii(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var r in s.EnumerateRunes())
        {
            if (r.Value < 0x80)
            {
                GoQuote.AppendEscaped(b, r, '"');
            }
            else if (r.Value < 0x10000)
            {
                b.Append("\\u").Append(r.Value.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                b.Append("\\U").Append(r.Value.ToString("x8", CultureInfo.InvariantCulture));
            }
        }

        return b.Append('"').ToString();
    }

    private static string Truncate(string s, Flags f)
    {
        if (!f.HasPrecision)
        {
            return s;
        }

        var n = 0;
        var idx = 0;
        foreach (var r in s.EnumerateRunes())
        {
            if (n == f.Precision)
            {
                return s[..idx];
            }

            n++;
            idx += r.Utf16SequenceLength;
        }

        return s;
    }

    private static void FormatInteger(StringBuilder sb, bool negative, ulong magnitude, int verb, Flags f, object arg)
    {
        string digits;
        var prefix = "";
        switch (verb)
        {
            case 'v' or 'd':
                digits = magnitude.ToString(CultureInfo.InvariantCulture);
                break;
            case 'b':
                digits = Convert.ToString((long)magnitude, 2);
                if (f.Sharp)
                {
                    prefix = "0b";
                }

                break;
            case 'o' or 'O':
                digits = Convert.ToString((long)magnitude, 8);
                if (verb == 'O')
                {
                    prefix = "0o";
                }
                else if (f.Sharp && digits != "0")
                {
                    prefix = "0";
                }

                break;
            case 'x':
                digits = magnitude.ToString("x", CultureInfo.InvariantCulture);
                if (f.Sharp)
                {
                    prefix = "0x";
                }

                break;
            case 'X':
                digits = magnitude.ToString("X", CultureInfo.InvariantCulture);
                if (f.Sharp)
                {
                    prefix = "0X";
                }

                break;
            case 'c':
                Pad(sb, char.ConvertFromUtf32(magnitude > 0x10FFFF || (magnitude >= 0xD800 && magnitude < 0xE000) ? 0xFFFD : (int)magnitude), f);
                return;
            case 'q':
                {
                    var r = magnitude > 0x10FFFF ? 0xFFFD : (int)magnitude;
                    var b = new StringBuilder("'");
                    GoQuote.AppendEscaped(b, new Rune(r), '\'');
                    Pad(sb, b.Append('\'').ToString(), f);
                    return;
                }

            case 'U':
                Pad(sb, "U+" + magnitude.ToString("X4", CultureInfo.InvariantCulture), f);
                return;
            case 'e' or 'E' or 'f' or 'F' or 'g' or 'G':
            default:
                BadVerb(sb, verb, arg);
                return;
        }

        if (f.HasPrecision)
        {
            if (f.Precision == 0 && magnitude == 0)
            {
                digits = "";
            }

            digits = digits.PadLeft(f.Precision, '0');
        }

        var sign = negative ? "-" : f.Plus ? "+" : f.Space ? " " : "";
        if (f.Zero && f.HasWidth && !f.Minus && !f.HasPrecision)
        {
            var width = f.Width - sign.Length - prefix.Length;
            digits = digits.PadLeft(Math.Max(width, digits.Length), '0');
            sb.Append(sign).Append(prefix).Append(digits);
            return;
        }

        Pad(sb, sign + prefix + digits, f with { Zero = false });
    }

    private static void FormatFloatVerb(StringBuilder sb, double d, int verb, Flags f, object arg)
    {
        string s;
        switch (verb)
        {
            case 'v' or 'g' or 'G':
                s = FormatFloat(d, verb == 'G' ? 'G' : 'g', f.HasPrecision ? f.Precision : -1);
                break;
            case 'e' or 'E':
                s = FormatFloat(d, (char)verb, f.HasPrecision ? f.Precision : 6);
                break;
            case 'f' or 'F':
                s = FormatFloat(d, 'f', f.HasPrecision ? f.Precision : 6);
                break;
            default:
                BadVerb(sb, verb, arg);
                return;
        }

        if (f.Plus && !s.StartsWith('-') && !s.StartsWith('+'))
        {
            s = "+" + s;
        }
        else if (f.Space && !s.StartsWith('-') && !s.StartsWith('+'))
        {
            s = " " + s;
        }
        else if (s == "+Inf" && !f.Plus)
        {
            s = "+Inf";
        }

        if (f.Zero && f.HasWidth && !f.Minus && !double.IsInfinity(d) && !double.IsNaN(d))
        {
            var signLen = s.Length > 0 && (s[0] == '-' || s[0] == '+' || s[0] == ' ') ? 1 : 0;
            var body = s[signLen..];
            sb.Append(s, 0, signLen).Append(body.PadLeft(Math.Max(f.Width - signLen, body.Length), '0'));
            return;
        }

        Pad(sb, s, f with { Zero = false });
    }

    /// <summary>strconv.FormatFloat(f, fmt, prec, 64) for 'e', 'E', 'f', 'g', 'G'; prec -1 = shortest.</summary>
    public static string FormatFloat(double v, char fmt, int prec)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }

        if (double.IsPositiveInfinity(v))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(v))
        {
            return "-Inf";
        }

        var neg = v < 0 || (v == 0 && double.IsNegative(v));
        var a = Math.Abs(v);
        var shortest = prec < 0;
        string digits;
        int dp;
        if (shortest)
        {
            (digits, dp) = Decompose(a.ToString("R", CultureInfo.InvariantCulture));
        }
        else
        {
            switch (fmt)
            {
                case 'e' or 'E':
                    (digits, dp) = Decompose(a.ToString("E" + prec.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                    break;
                case 'f':
                    (digits, dp) = Decompose(a.ToString("F" + prec.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                    break;
                default:
                    if (prec == 0)
                    {
                        prec = 1;
                    }

                    (digits, dp) = Decompose(a.ToString("E" + (prec - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                    break;
            }
        }

        var sb = new StringBuilder();
        if (neg)
        {
            sb.Append('-');
        }

        switch (fmt)
        {
            case 'e' or 'E':
                if (shortest)
                {
                    prec = Math.Max(digits.Length - 1, 0);
                }

                AppendE(sb, digits, dp, prec, fmt);
                break;
            case 'f':
                if (shortest)
                {
                    prec = Math.Max(digits.Length - dp, 0);
                }

                AppendF(sb, digits, dp, prec);
                break;
            default:
                {
                    var nd = digits.Length;
                    if (shortest)
                    {
                        prec = nd;
                    }

                    var eprec = prec;
                    if (eprec > nd && nd >= dp)
                    {
                        eprec = nd;
                    }

                    if (shortest)
                    {
                        eprec = 6;
                    }

                    var exp = dp - 1;
                    if (exp < -4 || exp >= eprec)
                    {
                        if (prec > nd)
                        {
                            prec = nd;
                        }

                        AppendE(sb, digits, dp, Math.Max(prec - 1, 0), fmt == 'G' ? 'E' : 'e');
                        break;
                    }

                    if (prec > dp)
                    {
                        prec = nd;
                    }

                    AppendF(sb, digits, dp, Math.Max(prec - dp, 0));
                    break;
                }
        }

        return sb.ToString();
    }

    // Parses .NET's rendering ("1.2345E+006", "0.001", "123") into significant digits without trailing
    // zeros and the decimal point position (value = 0.DIGITS × 10^dp).
    private static (string Digits, int Dp) Decompose(string s)
    {
        var exp = 0;
        var e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }

        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var intLen = dot < 0 ? s.Length : dot;
        var all = dot < 0 ? s : s.Remove(dot, 1);
        var lead = 0;
        while (lead < all.Length && all[lead] == '0')
        {
            lead++;
        }

        var digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0)
        {
            return ("", 0);
        }

        return (digits, intLen - lead + exp);
    }

    private static void AppendE(StringBuilder sb, string digits, int dp, int prec, char fmt)
    {
        sb.Append(digits.Length > 0 ? digits[0] : '0');
        if (prec > 0)
        {
            sb.Append('.');
            for (var i = 1; i <= prec; i++)
            {
                sb.Append(i < digits.Length ? digits[i] : '0');
            }
        }

        var exp = digits.Length == 0 ? 0 : dp - 1;
        sb.Append(fmt == 'E' ? 'E' : 'e').Append(exp < 0 ? '-' : '+');
        exp = Math.Abs(exp);
        if (exp < 10)
        {
            sb.Append('0');
        }

        sb.Append(exp.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendF(StringBuilder sb, string digits, int dp, int prec)
    {
        if (dp > 0)
        {
            for (var i = 0; i < dp; i++)
            {
                sb.Append(i < digits.Length ? digits[i] : '0');
            }
        }
        else
        {
            sb.Append('0');
        }

        if (prec > 0)
        {
            sb.Append('.');
            for (var i = 0; i < prec; i++)
            {
                var j = dp + i;
                sb.Append(j >= 0 && j < digits.Length ? digits[j] : '0');
            }
        }
    }
}
