using System.Runtime.Loader;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Plugins;
using Promoter.Host.Runtime;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Plugins;

/// <summary>Plugins added or replaced while Promoter runs, picked up by a reload (SIGHUP, POST /-/reload).</summary>
[Collection(TestPluginCollection.Name)]
public sealed class PluginReloadTests(TestPluginBuilds builds)
{
    private static (PluginCatalog Catalog, ServiceProvider Services) Serve(string folder)
    {
        var services = HostBootstrap.CreateCliServices(LogLevel.None);
        return (services.GetRequiredService<PluginLoader>().Load(folder, null, deferUnused: true), services);
    }

    /// <summary>Replaces a plugin folder the way a deployment does: new files, new write times.</summary>
    private static void Redeploy(string from, string to, Action<string>? change = null)
    {
        Directory.Delete(to, recursive: true);
        TestPluginBuilds.CopyDirectory(from, to);
        foreach (var file in Directory.GetFiles(to))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        }

        change?.Invoke(to);
    }

    [Fact]
    public async Task Reload_PluginFolderAppears_LoadedAndItsTypeUsable()
    {
        var folder = builds.NewPluginsFolder("JsonNew");
        var dir = TestPaths.NewTempDirectory("promoter-reload");
        var config = Path.Combine(dir, "config.yaml");
        await File.WriteAllTextAsync(config, "channels:\n  old: { type: json-old }\nreceivers:\n  - name: ops\n    channels: [old]\n");
        var (catalog, services) = Serve(folder);
        using var owned = services;
        var holder = new RuntimeHolder(config, new ConfigOverrides(DataDirectory: dir), catalog, TimeProvider.System,
            services.GetRequiredService<PromoterMetrics>(), services.GetRequiredService<ILogger<RuntimeHolder>>());

        var before = await holder.ReloadAsync();
        Assert.Contains(before, e => e.Message.Contains("json-old", StringComparison.Ordinal));

        TestPluginBuilds.CopyDirectory(Path.Combine(builds.OutputDirectory, "JsonOld"), Path.Combine(folder, "JsonOld"));
        var after = await holder.ReloadAsync();

        Assert.Empty(after);
        Assert.Contains("old", holder.Current.Channels.Keys);
        Assert.Contains(catalog.Plugins, p => p.Folder == "JsonOld" && p.State == PluginState.Loaded);
    }

    [Fact]
    public void Rescan_FolderReplaced_NewVersionSwappedInOldContextUnloads()
    {
        var folder = builds.NewPluginsFolder("JsonNew");
        var (catalog, services) = Serve(folder);
        using var owned = services;
        var oldContext = ContextOf(catalog);

        Redeploy(Path.Combine(builds.OutputDirectory, "JsonNew"), Path.Combine(folder, "JsonNew"),
            d => File.WriteAllText(Path.Combine(d, "plugin.json"), File.ReadAllText(Path.Combine(d, "plugin.json")).Replace("\"1.0.0\"", "\"1.0.1\"", StringComparison.Ordinal)));
        var previousDelay = PluginLoader.UnloadDelay;
        PluginLoader.UnloadDelay = TimeSpan.Zero;
        try
        {
            catalog.Rescan();
        }
        finally
        {
            PluginLoader.UnloadDelay = previousDelay;
        }

        var status = Assert.Single(catalog.Plugins, p => p.Folder == "JsonNew");
        Assert.Equal(PluginState.Loaded, status.State);
        Assert.Equal("1.0.1", status.Version);
        Assert.True(FromAnotherContext(oldContext, catalog), "the factory should come from a new load context");
        Assert.True(WaitUnloaded(oldContext), "the replaced plugin's load context should unload once nothing uses it");
    }

    [Fact]
    public void Rescan_ReplacementBroken_ReportedAndRunningVersionStays()
    {
        var folder = builds.NewPluginsFolder("JsonNew");
        var (catalog, services) = Serve(folder);
        using var owned = services;
        var running = catalog.Channels["json-new"].Factory;

        Redeploy(Path.Combine(builds.OutputDirectory, "JsonNew"), Path.Combine(folder, "JsonNew"),
            d => File.Delete(Path.Combine(d, "Newtonsoft.Json.dll")));
        catalog.Rescan();

        Assert.Same(running, catalog.Channels["json-new"].Factory);
        var status = Assert.Single(catalog.Plugins, p => p.Folder == "JsonNew");
        Assert.Equal(PluginState.Loaded, status.State);
        Assert.Contains("the running version stays", status.Error, StringComparison.Ordinal);
        Assert.Contains("Newtonsoft.Json", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rescan_NothingChanged_SameFactories()
    {
        var folder = builds.NewPluginsFolder("JsonNew", "JsonOld");
        var (catalog, services) = Serve(folder);
        using var owned = services;
        var before = catalog.Channels["json-new"].Factory;

        catalog.Rescan();

        Assert.Same(before, catalog.Channels["json-new"].Factory);
        Assert.All(catalog.Plugins, p => Assert.Null(p.Error));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(PluginCatalog catalog) =>
        new(AssemblyLoadContext.GetLoadContext(catalog.Channels["json-new"].Factory.GetType().Assembly));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool FromAnotherContext(WeakReference old, PluginCatalog catalog) =>
        !ReferenceEquals(old.Target, AssemblyLoadContext.GetLoadContext(catalog.Channels["json-new"].Factory.GetType().Assembly));

    private static bool WaitUnloaded(WeakReference context)
    {
        for (var i = 0; i < 50 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
        }

        return !context.IsAlive;
    }
}
