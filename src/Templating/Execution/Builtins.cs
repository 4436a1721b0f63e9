using System.Collections;
using System.Text;
using Promoter.Templating.Time;

namespace Promoter.Templating.Execution;

/// <summary>Go text/template's predefined functions (funcs.go) with their type rules and error texts.</summary>
internal static class Builtins
{
    public static readonly IReadOnlyDictionary<string, GoCallable> Functions = Build();

    private static Dictionary<string, GoCallable> Build()
    {
        var d = new Dictionary<string, GoCallable>(StringComparer.Ordinal)
        {
            ["and"] = GoCallable.Raw("and", 1, true, a => a[^1]),
            ["or"] = GoCallable.Raw("or", 1, true, a => a[^1]),
            ["not"] = GoCallable.Raw("not", 1, false, a => !GoTypes.IsTrue(a[0])),
            ["len"] = GoCallable.Raw("len", 1, false, a => Len(a[0])),
            ["index"] = GoCallable.Raw("index", 1, true, a => Index(a[0], a.AsSpan(1))),
            ["slice"] = GoCallable.Raw("slice", 1, true, a => Slice(a[0], a.AsSpan(1))),
            ["eq"] = GoCallable.Raw("eq", 1, true, a => Eq(a[0], a.AsSpan(1))),
            ["ne"] = GoCallable.Raw("ne", 2, false, a => !Eq(a[0], a.AsSpan(1))),
            ["lt"] = GoCallable.Raw("lt", 2, false, a => Lt(a[0], a[1])),
            ["le"] = GoCallable.Raw("le", 2, false, a => Lt(a[0], a[1]) || Eq(a[0], a.AsSpan(1))),
            ["gt"] = GoCallable.Raw("gt", 2, false, a => !(Lt(a[0], a[1]) || Eq(a[0], a.AsSpan(1)))),
            ["ge"] = GoCallable.Raw("ge", 2, false, a => !Lt(a[0], a[1])),
            ["call"] = GoCallable.Raw("call", 1, true, a => Call(a[0], a[1..])),
        };
        foreach (var (go, clr) in new[] { ("print", nameof(Print)), ("println", nameof(Println)), ("printf", nameof(Printf)), ("html", nameof(Html)), ("js", nameof(Js)), ("urlquery", nameof(UrlQuery)) })
        {
            d[go] = GoCallable.FromMethod(go, typeof(Builtins).GetMethod(clr, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!);
        }

        return d;
    }

    private static string Print(params object?[] args) => GoFmt.Sprint(args);

    private static string Println(params object?[] args) => GoFmt.Sprintln(args);

    private static string Printf(string format, params object?[] args) => GoFmt.Sprintf(format, args);

    private static string Html(params object?[] args) => HtmlEscape(EvalArgs(args));

    private static string Js(params object?[] args) => JsEscape(EvalArgs(args));

    private static string UrlQuery(params object?[] args) => QueryEscape(EvalArgs(args));

    // The delegates above are lambdas with a closure-less target; GoCallable passes params arrays through.
    private static string EvalArgs(object?[] args)
    {
        if (args.Length == 1 && args[0] is string s)
        {
            return s;
        }

        var printable = new object?[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            printable[i] = args[i] ?? "<no value>";
        }

        return GoFmt.Sprint(printable);
    }

    private static long Len(object? item)
    {
        if (item is null)
        {
            throw new GoError("len of nil pointer");
        }

        var n = GoTypes.Len(item);
        if (n < 0)
        {
            throw new GoError($"len of type {GoTypes.Of(item).Name}");
        }

        return n;
    }

    private static object? Index(object? item, ReadOnlySpan<object?> indexes)
    {
        if (item is null)
        {
            throw new GoError("index of untyped nil");
        }

        foreach (var index in indexes)
        {
            if (item is null)
            {
                throw new GoError("index of nil pointer");
            }

            var type = GoTypes.Of(item);
            if (GoTypes.TryString(item, out var s))
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                var x = IndexArg(index, bytes.Length);
                if (x == bytes.Length)
                {
                    // Go's range check lets len through and reflect then panics with this text.
                    throw new GoError("reflect: string index out of range");
                }

                item = bytes[x];
            }
            else if (type.Kind == GoKind.Slice && item is IList list)
            {
                var x = IndexArg(index, list.Count);
                if (x == list.Count)
                {
                    throw new GoError("reflect: slice index out of range");
                }

                item = Executor.CanonicalValue(list[x]);
            }
            else if (type.Kind == GoKind.Map)
            {
                var keyType = type.Key ?? GoType.String;
                if (index is null)
                {
                    throw new GoError($"value is nil; should be of type {keyType.Name}");
                }

                var kt = GoTypes.Of(index);
                if (!kt.AssignableTo(keyType))
                {
                    throw new GoError($"value has type {kt.Name}; should be {keyType.Name}");
                }

                item = Executor.TryMapIndex(item, index is HtmlString h ? h.Value : index, out var v) ? v : GoTypes.Zero(type.Elem ?? GoType.Any);
            }
            else
            {
                throw new GoError($"can't index item of type {type.Name}");
            }
        }

        return item;
    }

    private static int IndexArg(object? index, int cap)
    {
        long x = index switch
        {
            long l => l,
            int i => i,
            IGoInteger g => g.Value,
            ulong u => (long)u,
            byte b => b,
            null => throw new GoError("cannot index slice/array with nil"),
            _ => throw new GoError($"cannot index slice/array with type {GoTypes.Of(index).Name}"),
        };
        if (x < 0 || x > cap)
        {
            throw new GoError($"index out of range: {x}");
        }

        return (int)x;
    }

    private static object? Slice(object? item, ReadOnlySpan<object?> indexes)
    {
        if (item is null)
        {
            throw new GoError("slice of untyped nil");
        }

        if (indexes.Length > 3)
        {
            throw new GoError($"too many slice indexes: {indexes.Length}");
        }

        int cap;
        var isString = GoTypes.TryString(item, out var s);
        byte[]? bytes = null;
        if (isString)
        {
            if (indexes.Length == 3)
            {
                throw new GoError("cannot 3-index slice a string");
            }

            bytes = Encoding.UTF8.GetBytes(s);
            cap = bytes.Length;
        }
        else if (item is IList list && GoTypes.Of(item).Kind == GoKind.Slice)
        {
            cap = list.Count;
        }
        else
        {
            throw new GoError($"can't slice item of type {GoTypes.Of(item).Name}");
        }

        var idx = new[] { 0, cap };
        for (var i = 0; i < indexes.Length && i < 2; i++)
        {
            idx[i] = IndexArg(indexes[i], cap);
        }

        if (idx[0] > idx[1])
        {
            throw new GoError($"invalid slice index: {idx[0]} > {idx[1]}");
        }

        if (isString)
        {
            return Encoding.UTF8.GetString(bytes!, idx[0], idx[1] - idx[0]);
        }

        var l = (IList)item;
        if (item is string[] sa)
        {
            return sa[idx[0]..idx[1]];
        }

        var result = new List<object?>();
        for (var i = idx[0]; i < idx[1]; i++)
        {
            result.Add(l[i]);
        }

        return result;
    }

    private enum BasicKind { Invalid, Bool, Complex, Int, Float, String, Uint }

    private static BasicKind Kind(object? v) => v switch
    {
        null => BasicKind.Invalid,
        bool => BasicKind.Bool,
        long or int or IGoInteger => BasicKind.Int,
        ulong or byte => BasicKind.Uint,
        double or float => BasicKind.Float,
        string or HtmlString or UrlString => BasicKind.String,
        System.Numerics.Complex => BasicKind.Complex,
        _ => BasicKind.Invalid,
    };

    private static long AsInt(object v) => v switch { long l => l, int i => i, IGoInteger g => g.Value, _ => 0 };

    private static ulong AsUint(object v) => v switch { ulong u => u, byte b => b, _ => 0 };

    private static double AsFloat(object v) => v switch { double d => d, float f => f, _ => 0 };

    private static string AsString(object v) => GoTypes.TryString(v, out var s) ? s : "";

    internal static bool Eq(object? arg1, ReadOnlySpan<object?> arg2)
    {
        if (arg2.Length == 0)
        {
            throw new GoError("missing argument for comparison");
        }

        var k1 = Kind(arg1);
        foreach (var arg in arg2)
        {
            var k2 = Kind(arg);
            bool truth;
            if (k1 != k2)
            {
                if (k1 == BasicKind.Int && k2 == BasicKind.Uint)
                {
                    truth = AsInt(arg1!) >= 0 && (ulong)AsInt(arg1!) == AsUint(arg!);
                }
                else if (k1 == BasicKind.Uint && k2 == BasicKind.Int)
                {
                    truth = AsInt(arg!) >= 0 && AsUint(arg1!) == (ulong)AsInt(arg!);
                }
                else if (arg1 is not null && arg is not null)
                {
                    throw new GoError("incompatible types for comparison");
                }
                else
                {
                    truth = false;
                }
            }
            else
            {
                switch (k1)
                {
                    case BasicKind.Bool: truth = (bool)arg1! == (bool)arg!; break;
                    case BasicKind.Float: truth = AsFloat(arg1!) == AsFloat(arg!); break;
                    case BasicKind.Int: truth = AsInt(arg1!) == AsInt(arg!); break;
                    case BasicKind.String: truth = string.Equals(AsString(arg1!), AsString(arg!), StringComparison.Ordinal); break;
                    case BasicKind.Uint: truth = AsUint(arg1!) == AsUint(arg!); break;
                    case BasicKind.Complex: truth = Equals(arg1, arg); break;
                    default:
                        if (arg1 is null || arg is null)
                        {
                            truth = arg1 is null && arg is null;
                        }
                        else
                        {
                            var t1 = GoTypes.Of(arg1);
                            var t2 = GoTypes.Of(arg);
                            if (t1.Kind is GoKind.Slice or GoKind.Map or GoKind.Func)
                            {
                                throw new GoError($"non-comparable type {GoFmt.ToText(arg1)}: {t1.Name}");
                            }

                            if (t1.Name != t2.Name)
                            {
                                throw new GoError($"non-comparable types {GoFmt.ToText(arg1)}: {t1.Name}, {t2.Name}: {GoFmt.ToText(arg)}");
                            }

                            truth = Equals(arg1, arg);
                        }

                        break;
                }
            }

            if (truth)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Lt(object? arg1, object? arg2)
    {
        var k1 = Kind(arg1);
        if (k1 == BasicKind.Invalid)
        {
            throw new GoError("invalid type for comparison");
        }

        var k2 = Kind(arg2);
        if (k2 == BasicKind.Invalid)
        {
            throw new GoError("invalid type for comparison");
        }

        if (k1 != k2)
        {
            if (k1 == BasicKind.Int && k2 == BasicKind.Uint)
            {
                return AsInt(arg1!) < 0 || (ulong)AsInt(arg1!) < AsUint(arg2!);
            }

            if (k1 == BasicKind.Uint && k2 == BasicKind.Int)
            {
                return AsInt(arg2!) >= 0 && AsUint(arg1!) < (ulong)AsInt(arg2!);
            }

            throw new GoError("incompatible types for comparison");
        }

        return k1 switch
        {
            BasicKind.Bool or BasicKind.Complex => throw new GoError("invalid type for comparison"),
            BasicKind.Float => AsFloat(arg1!) < AsFloat(arg2!),
            BasicKind.Int => AsInt(arg1!) < AsInt(arg2!),
            BasicKind.String => string.CompareOrdinal(AsString(arg1!), AsString(arg2!)) < 0,
            _ => AsUint(arg1!) < AsUint(arg2!),
        };
    }

    private static object? Call(object? fn, object?[] args)
    {
        if (fn is null)
        {
            throw new GoError("call of nil");
        }

        if (fn is not Delegate d)
        {
            throw new GoError($"non-function of type {GoTypes.Of(fn).Name}");
        }

        var c = GoCallable.FromDelegate("call", d);
        return c.Invoke(null, args);
    }

    /// <summary>Go's HTMLEscapeString: &lt; &gt; &amp; &#39; &#34; and NUL as U+FFFD.</summary>
    public static string HtmlEscape(string s)
    {
        if (s.AsSpan().IndexOfAny("<>&'\"\0") < 0)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length + 16);
        foreach (var c in s)
        {
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '"': sb.Append("&#34;"); break;
                case '\0': sb.Append('\uFFFD'); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Go's JSEscapeString.</summary>
    public static string JsEscape(string s)
    {
        var sb = new StringBuilder(s.Length + 16);
        foreach (var r in s.EnumerateRunes())
        {
            var v = r.Value;
            switch (v)
            {
                case '\\': sb.Append("\\\\"); continue;
                case '\'': sb.Append("\\'"); continue;
                case '"': sb.Append("\\\""); continue;
                case '<': sb.Append("\\u003C"); continue;
                case '>': sb.Append("\\u003E"); continue;
                case '&': sb.Append("\\u0026"); continue;
                case '=': sb.Append("\\u003D"); continue;
            }

            if (v < ' ')
            {
                sb.Append("\\u").Append(v.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (v < 0x80 || Parsing.GoQuote.IsPrint(r))
            {
                sb.Append(r.ToString());
            }
            else
            {
                sb.Append("\\u").Append(v.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>Go's url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX.</summary>
    public static string QueryEscape(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var sb = new StringBuilder(bytes.Length + 8);
        foreach (var b in bytes)
        {
            if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                sb.Append((char)b);
            }
            else if (b == ' ')
            {
                sb.Append('+');
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
