using System.Reflection;

namespace Promoter.Templating.Execution;

/// <summary>
/// A function or method templates can call: its Go signature (for argument conversion and Go's error
/// messages) and how to invoke it. Failures are thrown as exceptions and reported as "error calling NAME: …".
/// </summary>
internal sealed class GoCallable
{
    private readonly MethodInfo? _method;
    private readonly object? _target;
    private readonly Func<object?[], object?>? _raw;
    private readonly Type[] _clrParams;

    private GoCallable(string name, GoType[] parameters, bool variadic, MethodInfo? method, object? target, Func<object?[], object?>? raw, Type[] clrParams)
    {
        Name = name;
        Params = parameters;
        Variadic = variadic;
        _method = method;
        _target = target;
        _raw = raw;
        _clrParams = clrParams;
    }

    public string Name { get; }

    /// <summary>Parameter types; for a variadic function the last one is the element type.</summary>
    public GoType[] Params { get; }

    public bool Variadic { get; }

    public static GoCallable FromMethod(string name, MethodInfo m, object? target = null)
    {
        var ps = m.GetParameters();
        var variadic = ps.Length > 0 && ps[^1].GetCustomAttribute<ParamArrayAttribute>() is not null;
        var types = new GoType[ps.Length];
        var clr = new Type[ps.Length];
        for (var i = 0; i < ps.Length; i++)
        {
            var t = ps[i].ParameterType;
            clr[i] = t;
            types[i] = variadic && i == ps.Length - 1 ? GoTypes.ForClr(t.GetElementType()!) : GoTypes.ForClr(t);
        }

        return new GoCallable(name, types, variadic, m, target, null, clr);
    }

    public static GoCallable FromDelegate(string name, Delegate d) => FromMethod(name, d.Method, d.Target);

    /// <summary>A builtin taking reflect.Value-like arguments: any value, constants untyped.</summary>
    public static GoCallable Raw(string name, int fixedCount, bool variadic, Func<object?[], object?> invoke)
    {
        var count = fixedCount + (variadic ? 1 : 0);
        var types = Enumerable.Repeat(GoType.ReflectValue, count).ToArray();
        return new GoCallable(name, types, variadic, null, null, invoke, []);
    }

    public object? Invoke(object? receiver, object?[] args)
    {
        if (_raw is not null)
        {
            return _raw(args);
        }

        var clrArgs = new object?[_clrParams.Length];
        var fixedCount = Variadic ? _clrParams.Length - 1 : _clrParams.Length;
        for (var i = 0; i < fixedCount; i++)
        {
            clrArgs[i] = Convert(args[i], _clrParams[i]);
        }

        if (Variadic)
        {
            var elem = _clrParams[^1].GetElementType()!;
            var rest = Array.CreateInstance(elem, args.Length - fixedCount);
            for (var i = fixedCount; i < args.Length; i++)
            {
                rest.SetValue(Convert(args[i], elem), i - fixedCount);
            }

            clrArgs[^1] = rest;
        }

        try
        {
            return Normalize(_method!.Invoke(receiver ?? _target, clrArgs));
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>Results enter templates as the canonical representations (int → long…).</summary>
    public static object? Normalize(object? v) => v switch
    {
        int i => (long)i,
        float f => (double)f,
        List<string> l => l.ToArray(),
        _ => v,
    };

    private static object? Convert(object? v, Type t)
    {
        if (v is null || t.IsInstanceOfType(v))
        {
            return v;
        }

        if (t == typeof(int))
        {
            return v switch { long l => (int)l, ulong u => (int)u, byte b => (int)b, Time.IGoInteger g => (int)g.Value, _ => v };
        }

        if (t == typeof(long))
        {
            return v switch { ulong u => (long)u, byte b => (long)b, int i => (long)i, Time.IGoInteger g => g.Value, _ => v };
        }

        if (t == typeof(Time.GoDuration))
        {
            return v switch { long l => new Time.GoDuration(l), Time.IGoInteger g => new Time.GoDuration(g.Value), _ => v };
        }

        if (t == typeof(string))
        {
            return GoTypes.TryString(v, out var s) ? s : v;
        }

        if (t == typeof(string[]) && v is IEnumerable<string> es)
        {
            return es.ToArray();
        }

        if (t == typeof(double))
        {
            return v switch { long l => (double)l, _ => v };
        }

        return v;
    }
}
