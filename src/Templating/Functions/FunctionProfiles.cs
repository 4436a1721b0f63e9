using System.Reflection;
using Promoter.Templating.Execution;

namespace Promoter.Templating.Functions;

/// <summary>Marks a static method as a template function under the given Go name.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class TemplateFunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

internal static class FunctionProfiles
{
    private static readonly Lazy<IReadOnlyDictionary<string, GoCallable>> AlertmanagerSet = new(() => Collect(typeof(AlertmanagerFunctions)));
    private static readonly Lazy<IReadOnlyDictionary<string, GoCallable>> DingTalkSet = new(() => Collect(typeof(SprigFunctions), typeof(DingTalkFunctions)));

    public static IReadOnlyDictionary<string, GoCallable> For(FunctionProfile profile) => profile switch
    {
        FunctionProfile.DingTalk => DingTalkSet.Value,
        _ => AlertmanagerSet.Value,
    };

    // Later types override earlier ones (prometheus-webhook-dingtalk adds its own over Sprig's).
    private static Dictionary<string, GoCallable> Collect(params Type[] types)
    {
        var d = new Dictionary<string, GoCallable>(StringComparer.Ordinal);
        foreach (var t in types)
        {
            foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            {
                foreach (var a in m.GetCustomAttributes<TemplateFunctionAttribute>())
                {
                    d[a.Name] = GoCallable.FromMethod(a.Name, m);
                }
            }
        }

        return d;
    }
}
