using System.Reflection;
using System.Runtime.Loader;

namespace Promoter.Host.Plugins;

/// <summary>
/// One load context per plugin folder. Dependencies resolve through the plugin's own .deps.json, so two
/// plugins may use different versions of one package. The contract and the framework always come from the
/// host: a plugin's own copy of Promoter.Abstractions would make its types different from the host's (type
/// identity includes the load context) and every cast would fail. Collectible, so that a plugin folder replaced
/// while Promoter runs can be swapped on reload and the old version unloaded once its instances are disposed.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    public PluginLoadContext(string entryAssemblyPath, string name)
        : base(name, isCollectible: true)
    {
        _resolver = new AssemblyDependencyResolver(entryAssemblyPath);
    }

    public static bool IsSharedWithHost(AssemblyName name)
    {
        var n = name.Name ?? "";
        return n == "Promoter.Abstractions"
            || n.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
            || n.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsSharedWithHost(assemblyName))
        {
            return null; // the default context (the host) provides it
        }

        // What the plugin's .deps.json names comes from its folder; anything else (the framework) from the host.
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
