using System.Collections.Concurrent;
using System.Reflection;

namespace Promoter.Templating.Execution;

/// <summary>Keeps a member out of what templates see.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method)]
public sealed class GoHiddenAttribute : Attribute
{
}

/// <summary>A field printed in {…} struct output only when non-empty (Promoter's additions to Alertmanager's types).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class GoOmitEmptyAttribute : Attribute
{
}

internal sealed class GoField(string name, Func<object, object?> get, bool omitWhenEmpty)
{
    public string Name { get; } = name;

    public Func<object, object?> Get { get; } = get;

    public bool OmitWhenEmpty { get; } = omitWhenEmpty;
}

/// <summary>
/// What a .NET type exposes to templates, Go-style: public properties are struct fields (printed in
/// declaration order), public methods are methods (by exact name, Go's capitalised names).
/// </summary>
internal sealed class GoMembers
{
    private static readonly ConcurrentDictionary<Type, GoMembers> Cache = new();
    private static readonly HashSet<string> ObjectMethods = ["ToString", "Equals", "GetHashCode", "GetType", "Deconstruct", "CompareTo", "GetEnumerator", "<Clone>$", "PrintMembers"];

    private readonly Dictionary<string, GoField> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GoCallable> _methods = new(StringComparer.Ordinal);

    private GoMembers(Type t)
    {
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (p.GetIndexParameters().Length > 0 || p.GetCustomAttribute<GoHiddenAttribute>() is not null || p.DeclaringType != t && p.DeclaringType?.Assembly != t.Assembly)
            {
                continue;
            }

            var prop = p;
            var field = new GoField(p.Name, o => prop.GetValue(o), p.GetCustomAttribute<GoOmitEmptyAttribute>() is not null);
            _fields[p.Name] = field;
            PrintedFields.Add(field);
        }

        foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (m.IsSpecialName || ObjectMethods.Contains(m.Name) || m.GetCustomAttribute<GoHiddenAttribute>() is not null || m.IsGenericMethod || m.ReturnType == typeof(void))
            {
                continue;
            }

            _methods[m.Name] = GoCallable.FromMethod(m.Name, m);
            if (m.Name == "String" && m.GetParameters().Length == 0 && m.ReturnType == typeof(string))
            {
                StringMethod = m;
            }
        }
    }

    public List<GoField> PrintedFields { get; } = [];

    public MethodInfo? StringMethod { get; }

    public static GoMembers For(Type t) => Cache.GetOrAdd(t, static t => new GoMembers(t));

    public bool TryGetMethod(string name, out GoCallable method) => _methods.TryGetValue(name, out method!);

    public bool TryGetField(string name, out GoField field) => _fields.TryGetValue(name, out field!);
}
