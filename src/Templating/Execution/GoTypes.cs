using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Promoter.Templating.Time;

namespace Promoter.Templating.Execution;

internal enum GoKind { Invalid, Bool, Int, Uint, Float, Complex, String, Slice, Map, Struct, Interface, Func }

/// <summary>
/// The Go type of a value as templates see it: its printed name (for Go's error messages), its kind (for
/// truth, comparison and argument rules) and, for named types like template.KV, the underlying type.
/// </summary>
internal sealed class GoType
{
    private GoType(string name, GoKind kind, GoType? underlying = null, GoType? elem = null, GoType? key = null, Type? clr = null)
    {
        Name = name;
        Kind = kind;
        Underlying = underlying;
        Elem = elem;
        Key = key;
        Clr = clr;
    }

    public string Name { get; }

    public GoKind Kind { get; }

    /// <summary>For a named type, the unnamed type it is defined as; null for unnamed types.</summary>
    public GoType? Underlying { get; }

    public GoType? Elem { get; }

    public GoType? Key { get; }

    public Type? Clr { get; }

    public bool CanBeNil => Kind is GoKind.Slice or GoKind.Map or GoKind.Interface or GoKind.Func;

    public override string ToString() => Name;

    public static readonly GoType Bool = new("bool", GoKind.Bool);
    public static readonly GoType Int = new("int", GoKind.Int);
    public static readonly GoType Int64 = new("int64", GoKind.Int);
    public static readonly GoType Uint = new("uint", GoKind.Uint);
    public static readonly GoType Uint8 = new("uint8", GoKind.Uint);
    public static readonly GoType Float64 = new("float64", GoKind.Float);
    public static readonly GoType Complex128 = new("complex128", GoKind.Complex);
    public static readonly GoType String = new("string", GoKind.String);
    public static readonly GoType Any = new("interface {}", GoKind.Interface);
    /// <summary>reflect.Value parameters of the builtins: anything, untyped constants become ideal values.</summary>
    public static readonly GoType ReflectValue = new("reflect.Value", GoKind.Interface);
    public static readonly GoType StringSlice = new("[]string", GoKind.Slice, elem: String);
    public static readonly GoType AnySlice = new("[]interface {}", GoKind.Slice, elem: Any);
    public static readonly GoType StringMap = new("map[string]string", GoKind.Map, elem: String, key: String);
    public static readonly GoType AnyMap = new("map[string]interface {}", GoKind.Map, elem: Any, key: String);
    public static readonly GoType Duration = new("time.Duration", GoKind.Int, Int64);
    public static readonly GoType Month = new("time.Month", GoKind.Int, Int);
    public static readonly GoType Weekday = new("time.Weekday", GoKind.Int, Int);
    public static readonly GoType Time = new("time.Time", GoKind.Struct);
    public static readonly GoType Location = new("*time.Location", GoKind.Struct);
    public static readonly GoType Html = new("template.HTML", GoKind.String, String);
    public static readonly GoType Url = new("template.URL", GoKind.String, String);
    public static readonly GoType Error = new("error", GoKind.Interface);

    public static GoType Named(string name, GoType underlying, Type clr) => new(name, underlying.Kind, underlying, underlying.Elem, underlying.Key, clr);

    public static GoType Struct(string name, Type clr) => new(name, GoKind.Struct, clr: clr);

    public static GoType SliceOf(GoType elem) => new("[]" + elem.Name, GoKind.Slice, elem: elem);

    public static GoType MapOf(GoType key, GoType elem) => new($"map[{key.Name}]{elem.Name}", GoKind.Map, elem: elem, key: key);

    /// <summary>Go's assignability for the cases templates meet: identical types, interfaces, and a named and an unnamed type with the same underlying type.</summary>
    public bool AssignableTo(GoType target)
    {
        if (ReferenceEquals(this, target) || target.Kind == GoKind.Interface && target != Error || Name == target.Name)
        {
            return true;
        }

        if (target == Error)
        {
            return false;
        }

        var a = Underlying ?? this;
        var b = target.Underlying ?? target;
        return (Underlying is null || target.Underlying is null) && a.Name == b.Name;
    }
}

/// <summary>Maps .NET values and types to their Go types.</summary>
internal static class GoTypes
{
    private static readonly ConcurrentDictionary<Type, GoType> ByClr = new();

    static GoTypes()
    {
        ByClr[typeof(string)] = GoType.String;
        ByClr[typeof(long)] = GoType.Int;
        ByClr[typeof(int)] = GoType.Int;
        ByClr[typeof(ulong)] = GoType.Uint;
        ByClr[typeof(byte)] = GoType.Uint8;
        ByClr[typeof(double)] = GoType.Float64;
        ByClr[typeof(float)] = GoType.Float64;
        ByClr[typeof(bool)] = GoType.Bool;
        ByClr[typeof(System.Numerics.Complex)] = GoType.Complex128;
        ByClr[typeof(object)] = GoType.Any;
        ByClr[typeof(GoDuration)] = GoType.Duration;
        ByClr[typeof(GoMonth)] = GoType.Month;
        ByClr[typeof(GoWeekday)] = GoType.Weekday;
        ByClr[typeof(GoTime)] = GoType.Time;
        ByClr[typeof(GoLocation)] = GoType.Location;
        ByClr[typeof(string[])] = GoType.StringSlice;
        ByClr[typeof(List<string>)] = GoType.StringSlice;
        ByClr[typeof(IReadOnlyList<string>)] = GoType.StringSlice;
        ByClr[typeof(List<object?>)] = GoType.AnySlice;
        ByClr[typeof(object?[])] = GoType.AnySlice;
        ByClr[typeof(Dictionary<string, object?>)] = GoType.AnyMap;
        ByClr[typeof(Dictionary<string, string>)] = GoType.StringMap;
        ByClr[typeof(IReadOnlyDictionary<string, string>)] = GoType.StringMap;
        ByClr[typeof(HtmlString)] = GoType.Html;
        ByClr[typeof(UrlString)] = GoType.Url;
        ByClr[typeof(GoError)] = GoType.Error;
    }

    /// <summary>Registers the Go name of a model type (template.KV, template.Alert…).</summary>
    public static void Register(Type clr, GoType type) => ByClr[clr] = type;

    public static GoType Of(object? value) => value is null ? GoType.Any : ForClr(value.GetType());

    public static GoType ForClr(Type t) => ByClr.GetOrAdd(t, static t =>
    {
        var attr = t.GetCustomAttribute<GoTypeNameAttribute>();
        if (t.IsArray)
        {
            return GoType.SliceOf(ForClr(t.GetElementType()!));
        }

        if (t.IsGenericType)
        {
            var def = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            if (args.Length == 1 && (def == typeof(List<>) || def == typeof(IReadOnlyList<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>)))
            {
                return GoType.SliceOf(ForClr(args[0]));
            }

            if (args.Length == 2 && (def == typeof(Dictionary<,>) || def == typeof(IReadOnlyDictionary<,>) || def == typeof(IDictionary<,>)))
            {
                return GoType.MapOf(ForClr(args[0]), ForClr(args[1]));
            }
        }

        if (attr is not null)
        {
            return attr.Kind switch
            {
                GoKind.Map => GoType.Named(attr.Name, attr.Underlying == "map[string]string" ? GoType.StringMap : GoType.AnyMap, t),
                GoKind.Slice => GoType.Named(attr.Name, GoType.SliceOf(ForClr(ElementType(t))), t),
                GoKind.String => GoType.Named(attr.Name, GoType.String, t),
                _ => GoType.Struct(attr.Name, t),
            };
        }

        if (typeof(Delegate).IsAssignableFrom(t))
        {
            return GoType.Named("func", GoType.Any, t);
        }

        if (typeof(IDictionary).IsAssignableFrom(t))
        {
            return GoType.AnyMap;
        }

        if (typeof(IList).IsAssignableFrom(t))
        {
            return GoType.SliceOf(ForClr(ElementType(t)));
        }

        return GoType.Struct(t.Namespace is null ? t.Name : t.Name, t);
    });

    private static Type ElementType(Type t)
    {
        foreach (var i in t.GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            {
                return i.GetGenericArguments()[0];
            }
        }

        return typeof(object);
    }

    public static bool IsNil(object? v) => v is null;

    /// <summary>Go's truth: false, 0, nil and empty collections are false; structs are always true.</summary>
    public static bool IsTrue(object? v) => v switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        ulong u => u != 0,
        byte b8 => b8 != 0,
        IGoInteger gi => gi.Value != 0,
        HtmlString h => h.Value.Length > 0,
        UrlString u2 => u2.Value.Length > 0,
        System.Numerics.Complex c => c != System.Numerics.Complex.Zero,
        ICollection c => c.Count > 0,
        IGoLen gl => gl.Count > 0,
        _ => true,
    };

    /// <summary>Length for len, range and truth of collection values; -1 when the value has none.</summary>
    public static int Len(object? v) => v switch
    {
        string s => System.Text.Encoding.UTF8.GetByteCount(s),
        HtmlString h => System.Text.Encoding.UTF8.GetByteCount(h.Value),
        UrlString u => System.Text.Encoding.UTF8.GetByteCount(u.Value),
        ICollection c => c.Count,
        IGoLen gl => gl.Count,
        _ => -1,
    };

    /// <summary>The zero value of a Go type (missingkey=zero, index of a missing map key).</summary>
    public static object? Zero(GoType t) => t.Kind switch
    {
        GoKind.String => t == GoType.Html ? new HtmlString("") : "",
        GoKind.Bool => false,
        GoKind.Int => t == GoType.Duration ? new GoDuration(0) : 0L,
        GoKind.Uint => t == GoType.Uint8 ? (byte)0 : 0UL,
        GoKind.Float => 0.0,
        GoKind.Struct when t == GoType.Time => GoTime.Zero,
        _ => null,
    };

    /// <summary>Strings of both Go string-kind types.</summary>
    public static bool TryString(object? v, out string s)
    {
        switch (v)
        {
            case string str: s = str; return true;
            case HtmlString h: s = h.Value; return true;
            case UrlString u: s = u.Value; return true;
            default: s = ""; return false;
        }
    }
}

/// <summary>Marks a model class with its Go type name (e.g. template.KV) and kind.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
internal sealed class GoTypeNameAttribute(string name, GoKind kind = GoKind.Struct, string underlying = "") : Attribute
{
    public string Name { get; } = name;

    public GoKind Kind { get; } = kind;

    public string Underlying { get; } = underlying;
}

/// <summary>A collection with a Go length that is not an ICollection.</summary>
internal interface IGoLen
{
    int Count { get; }
}

/// <summary>html/template.HTML (safeHtml's result): a string printed as is.</summary>
public sealed record HtmlString(string Value)
{
    public override string ToString() => Value;
}

/// <summary>html/template.URL (safeUrl's result).</summary>
public sealed record UrlString(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A Go error value returned by a function; printing shows its message.</summary>
public sealed class GoError(string message) : Exception(message)
{
}
