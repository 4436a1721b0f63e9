using System.Reflection;
using System.Text;
using Promoter.Abstractions;
using Promoter.Abstractions.Configuration;
using Promoter.Testing.Infrastructure;

namespace Promoter.Abstractions.Tests;

/// <summary>
/// Every change to the plugin contract shows up in review as a change to tests/testdata/abstractions/public-api.txt.
/// The contract is additive-only within a major version: removing or changing a line breaks plugins.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly string BaselinePath = TestPaths.TestData("abstractions", "public-api.txt");

    [Fact]
    public void PublicApi_MatchesBaseline()
    {
        var actual = Describe(typeof(PromoterContract).Assembly);
        if (Environment.GetEnvironmentVariable("PROMOTER_UPDATE_API_BASELINE") == "1")
        {
            File.WriteAllText(BaselinePath, actual);
        }

        var expected = File.Exists(BaselinePath) ? File.ReadAllText(BaselinePath) : "";
        var removed = Lines(expected).Except(Lines(actual)).ToList();
        var added = Lines(actual).Except(Lines(expected)).ToList();
        Assert.True(removed.Count == 0 && added.Count == 0,
            "The public API of Promoter.Abstractions changed. If this is intended (and additive within contract " +
            $"{PromoterContract.Version.Major}.x), run the tests with PROMOTER_UPDATE_API_BASELINE=1 and commit the baseline.\n" +
            $"Removed:\n  {string.Join("\n  ", removed)}\nAdded:\n  {string.Join("\n  ", added)}");
    }

    [Fact]
    public void AssemblyVersion_PinnedToMajor()
    {
        var version = typeof(PromoterContract).Assembly.GetName().Version!;

        Assert.Equal(new Version(PromoterContract.Version.Major, 0, 0, 0), version);
    }

    [Fact]
    public void PackageVersion_FollowsContractVersion()
    {
        // src/Contract.props sets both; a package whose version differs from the contract it carries misleads authors.
        foreach (var assembly in new[] { typeof(PromoterContract).Assembly, typeof(SettingsReader).Assembly })
        {
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
            Assert.StartsWith(PromoterContract.Version.ToString(2) + ".", version, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Contract_HoldsNoHelperImplementation()
    {
        // The helpers live in Promoter.Plugins.Sdk (shipped by each plugin); the contract keeps exchange types only.
        var names = typeof(PromoterContract).Assembly.GetExportedTypes().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        Assert.DoesNotContain("ChannelHttp", names);
        Assert.DoesNotContain("SecretRedactor", names);
        Assert.DoesNotContain("ImageContent", names);
        Assert.DoesNotContain("DurationSyntax", names);
        Assert.DoesNotContain(typeof(PluginSettings).GetMethods(), m => m.Name is "GetDuration" or "GetSecret" or "GetUrl");
    }

    private static IEnumerable<string> Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    internal static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            var kind = type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
            var bases = new List<string>();
            if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
            {
                bases.Add(Name(b));
            }

            bases.AddRange(type.GetInterfaces().Select(Name).Where(n => !n.StartsWith("System.IEquatable", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            lines.Add($"{kind} {Name(type)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var m in type.GetMembers(flags))
            {
                if (m is MethodInfo { IsSpecialName: true } || m is MethodInfo mi && IsCompilerGenerated(mi))
                {
                    continue;
                }

                lines.Add($"{Name(type)}::{Member(m)}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var l in lines)
        {
            sb.Append(l).Append('\n');
        }

        return sb.ToString();
    }

    private static bool IsCompilerGenerated(MethodInfo m) =>
        m.Name is "<Clone>$" or "Deconstruct" or "PrintMembers" || m.Name.StartsWith('<');

    private static string Member(MemberInfo m) => m switch
    {
        PropertyInfo p => $"property {Name(p.PropertyType)} {p.Name} {{{(p.GetMethod?.IsPublic == true ? " get;" : "")}{(p.SetMethod?.IsPublic == true ? (IsInitOnly(p) ? " init;" : " set;") : "")} }}",
        MethodInfo mi => $"{(mi.IsStatic ? "static " : "")}method {Name(mi.ReturnType)} {mi.Name}({Params(mi)})",
        ConstructorInfo c => $"ctor({Params(c)})",
        FieldInfo f => $"{(f.IsStatic ? "static " : "")}field {Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        Type t => $"nested {Name(t)}",
        _ => m.ToString() ?? m.Name,
    };

    private static bool IsInitOnly(PropertyInfo p) =>
        p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Params(MethodBase m) =>
        string.Join(", ", m.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type t)
    {
        if (t.IsGenericType)
        {
            var n = t.GetGenericTypeDefinition().FullName ?? t.Name;
            n = n[..n.IndexOf('`', StringComparison.Ordinal)];
            return $"{n}<{string.Join(", ", t.GetGenericArguments().Select(Name))}>";
        }

        return t.FullName ?? t.Name;
    }
}
