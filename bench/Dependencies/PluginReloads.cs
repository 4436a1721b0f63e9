using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Plugins;
using Promoter.Host.Plugins;

/// <summary>
/// The reload case of issue 17: a plugin folder swapped in a running process, again and again. Each cycle loads the
/// folder into a new collectible context and runs Register (what a reload does for a replaced plugin), then unloads
/// the previous context and collects until it is gone. Measured per loader in its own process, alternating: the time
/// to load the new version, the time until the old context is really unloaded, how many old contexts never unloaded,
/// and how much the process grew over all cycles (a context that is not unloaded leaks its assemblies).
/// </summary>
internal static class PluginReloads
{
    public static void Run(string[] args)
    {
        if (args.Length >= 4 && args[0] == "child")
        {
            Child(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
            return;
        }

        var cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var plugins = args.Length > 2 ? args[2] : Path.Combine(Bench.RepositoryRoot(), "src", "Host", "bin", "Debug", "net10.0", "plugins");
        Console.WriteLine($"load before: {Bench.Load()}");
        foreach (var folder in new[] { "Channel.Slack", "Storage.AzureBlob" }.Select(f => Path.Combine(plugins, f)))
        {
            var swap = new Dictionary<string, List<double>> { ["current"] = [], ["mcmaster"] = [] };
            var unload = new Dictionary<string, List<double>> { ["current"] = [], ["mcmaster"] = [] };
            var stuck = new Dictionary<string, int> { ["current"] = 0, ["mcmaster"] = 0 };
            var growth = new Dictionary<string, List<double>> { ["current"] = [], ["mcmaster"] = [] };
            for (var i = 0; i < runs; i++)
            {
                foreach (var loader in i % 2 == 0 ? new[] { "current", "mcmaster" } : ["mcmaster", "current"])
                {
                    var output = Bench.Child("reload", "child", loader, folder, cycles.ToString(CultureInfo.InvariantCulture)).Trim().Split('\n');
                    foreach (var line in output)
                    {
                        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => x.Split('=')).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1]);
                        if (f.TryGetValue("swap_ms", out var s))
                        {
                            swap[loader].Add(double.Parse(s, CultureInfo.InvariantCulture));
                            unload[loader].Add(double.Parse(f["unload_ms"], CultureInfo.InvariantCulture));
                        }
                        else if (f.TryGetValue("stuck", out var n))
                        {
                            stuck[loader] += int.Parse(n, CultureInfo.InvariantCulture);
                            growth[loader].Add(double.Parse(f["rss_growth_mib"], CultureInfo.InvariantCulture));
                        }
                        else if (line.Length > 0)
                        {
                            Console.WriteLine(line);
                        }
                    }
                }
            }

            Console.WriteLine($"{Path.GetFileName(folder)}: {runs} processes x {cycles} swaps per loader");
            foreach (var loader in swap.Keys)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {loader,-9} load new p50={Bench.Stats(swap[loader]).P50:F1} ms  old unloaded p50={Bench.Stats(unload[loader]).P50:F1} ms  never unloaded={stuck[loader]}/{runs * cycles}  RSS growth p50={Bench.Stats(growth[loader]).P50:F1} MiB"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  mcmaster / current in this run: load new ×{Bench.Stats(swap["mcmaster"]).P50 / Bench.Stats(swap["current"]).P50:F2}, unload ×{Bench.Stats(unload["mcmaster"]).P50 / Bench.Stats(unload["current"]).P50:F2}"));
        }

        Console.WriteLine($"load after:  {Bench.Load()}");
    }

    private static void Child(string loader, string folder, int cycles)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "plugin.json")));
        var id = manifest.RootElement.GetProperty("id").GetString()!;
        var entry = Path.Combine(folder, manifest.RootElement.GetProperty("entryAssembly").GetString()!);

        // One warm-up version running, as in a host that has been up for a while.
        var (old, _) = Load(loader, entry, id, folder);
        Collect();
        var rssBefore = Rss();
        var stuck = 0;
        for (var i = 0; i < cycles; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var (next, _) = Load(loader, entry, id, folder);
            var swapMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

            var t1 = Stopwatch.GetTimestamp();
            var gone = Unload(old);
            var unloadMs = Stopwatch.GetElapsedTime(t1).TotalMilliseconds;
            if (!gone)
            {
                stuck++;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"swap_ms={swapMs:F2} unload_ms={unloadMs:F2}"));
            old = next;
        }

        Unload(old);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stuck={stuck} rss_growth_mib={Rss() - rssBefore:F1}"));
    }

    /// <summary>Loads and registers one version; returns a handle that can unload it and a weak reference to the context.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Handle Handle, int Registrations) Load(string loader, string entry, string id, string folder)
    {
        Assembly assembly;
        Handle handle;
        if (loader == "current")
        {
            var context = new PluginLoadContext(entry, id);
            assembly = context.LoadFromAssemblyPath(entry);
            handle = new Handle(new WeakReference(context), context.Unload);
        }
        else
        {
            var plugin = PluginLoaders.CreateMcMaster(entry);
            assembly = plugin.LoadDefaultAssembly();
            handle = new Handle(new WeakReference(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(assembly)), plugin.Dispose);
        }

        var services = new ServiceCollection();
        var type = assembly.GetExportedTypes().First(t => typeof(IPromoterPlugin).IsAssignableFrom(t) && !t.IsAbstract);
        ((IPromoterPlugin)Activator.CreateInstance(type)!).Register(services, new PluginContext(id, folder, new Version(2, 0)));
        // Build and drop what a channel factory would resolve, so the unload has real instances to let go of.
        using (var provider = services.BuildServiceProvider())
        {
            _ = provider.GetServices<Promoter.Abstractions.Channels.IChannelFactory>().Count();
            _ = provider.GetServices<Promoter.Abstractions.Storage.IImageStoreFactory>().Count();
        }

        return (handle, services.Count);
    }

    /// <summary>Unloads and collects until the context is gone (true) or 20 collections did not free it (false).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Unload(Handle handle)
    {
        handle.Unload();
        for (var i = 0; i < 20 && handle.Context.IsAlive; i++)
        {
            Collect();
        }

        return !handle.Context.IsAlive;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double Rss() => double.Parse(File.ReadAllLines("/proc/self/status")
        .First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;

    /// <summary>A loaded version: the unload call is dropped once made, so nothing here keeps the context alive.</summary>
    private sealed class Handle(WeakReference context, Action unload)
    {
        private Action? _unload = unload;

        public WeakReference Context { get; } = context;

        public void Unload() => Interlocked.Exchange(ref _unload, null)?.Invoke();
    }
}
