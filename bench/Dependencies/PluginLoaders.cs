using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Plugins;
using Promoter.Host.Plugins;

/// <summary>
/// Cold load of every plugin folder of a built host (src/Host/bin/&lt;config&gt;/net10.0/plugins): read plugin.json,
/// create the load context, load the entry assembly, find the IPromoterPlugin, run Register. The host's own
/// PluginLoadContext (compiled in from src/Host/Plugins) against McMaster.NETCore.Plugins 2.0.0 with the same
/// shared assemblies (Promoter.Abstractions and Microsoft.Extensions.*). Loading happens once per process, so each
/// run is a fresh process; the loaders alternate run by run.
/// </summary>
internal static class PluginLoaders
{
    public static void Run(string[] args)
    {
        if (args.Length >= 3 && args[0] == "child")
        {
            Child(args[1], args[2]);
            return;
        }

        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var folder = args.Length > 1 ? args[1] : Path.Combine(Bench.RepositoryRoot(), "src", "Host", "bin", "Debug", "net10.0", "plugins");
        Console.WriteLine($"plugins: {string.Join(", ", Directory.GetDirectories(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))}");
        Console.WriteLine($"load before: {Bench.Load()}");
        var ms = new Dictionary<string, List<double>> { ["current"] = [], ["mcmaster"] = [] };
        var peak = new Dictionary<string, List<double>> { ["current"] = [], ["mcmaster"] = [] };
        string last = "";
        for (var i = 0; i < runs; i++)
        {
            foreach (var loader in i % 2 == 0 ? new[] { "current", "mcmaster" } : ["mcmaster", "current"])
            {
                last = Bench.Child("plugins", "child", loader, folder).Trim().Split('\n')[^1];
                var f = last.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => x.Split('=')).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1]);
                ms[loader].Add(double.Parse(f["ms"], CultureInfo.InvariantCulture));
                peak[loader].Add(double.Parse(f["peak_mib"], CultureInfo.InvariantCulture));
                if (f["failed"] != "0")
                {
                    Console.WriteLine(last);
                }
            }
        }

        Console.WriteLine($"load after:  {Bench.Load()}");
        foreach (var loader in ms.Keys)
        {
            var (p50, p99) = Bench.Stats(ms[loader]);
            Console.WriteLine($"{loader,-9} runs={runs} load all plugins p50={p50:F1} ms max={ms[loader].Max():F1} ms  process peak RSS p50={Bench.Stats(peak[loader]).P50:F1} MiB");
        }

        Console.WriteLine($"mcmaster / current in this run: p50 ×{Bench.Stats(ms["mcmaster"]).P50 / Bench.Stats(ms["current"]).P50:F2}");
    }

    /// <summary>
    /// McMaster's loader with the same sharing rule as the host's (the contract and Microsoft.Extensions.* from the
    /// default context) and, like the host's contexts since plugins can be swapped on reload, collectible.
    /// </summary>
    internal static PluginLoader CreateMcMaster(string entry) => PluginLoader.CreateFromAssemblyFile(entry, config =>
    {
        config.PreferSharedTypes = true;
        config.IsUnloadable = true;
        config.SharedAssemblies.Add(typeof(IPromoterPlugin).Assembly.GetName());
        config.SharedAssemblies.Add(typeof(IServiceCollection).Assembly.GetName());
    });

    private static void Child(string loader, string folder)
    {
        var services = new ServiceCollection();
        var loaded = 0;
        var failed = 0;
        var t0 = Stopwatch.GetTimestamp();
        foreach (var dir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            try
            {
                using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "plugin.json")));
                var id = manifest.RootElement.GetProperty("id").GetString()!;
                var entry = Path.Combine(dir, manifest.RootElement.GetProperty("entryAssembly").GetString()!);
                Assembly assembly;
                if (loader == "current")
                {
                    assembly = new PluginLoadContext(entry, id).LoadFromAssemblyPath(entry);
                }
                else
                {
                    assembly = CreateMcMaster(entry).LoadDefaultAssembly();
                }

                var type = assembly.GetExportedTypes().First(t => typeof(IPromoterPlugin).IsAssignableFrom(t) && !t.IsAbstract);
                var instance = (IPromoterPlugin)Activator.CreateInstance(type)!;
                instance.Register(services, new PluginContext(id, dir, new Version(1, 0)));
                loaded++;
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{Path.GetFileName(dir)}: {e.GetType().Name}: {e.Message}");
            }
        }

        var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{loader} loaded={loaded} failed={failed} registrations={services.Count} ms={ms:F1} peak_mib={Bench.PeakMiB():F1}"));
    }
}
