// Grafana panel benchmark: a node-exporter-style time-series panel drawn natively by the grafana renderer (dashboard
// JSON from the Grafana stand-in, queries through its data source proxy to a real Prometheus, chart engine, PNG),
// against the headless-Chromium screenshot anchor of bench/Renderer (the same picture as an SVG, screenshotted by
// chromium --headless). One run measures both; prints p50/p99 and peak memory. See README.md.
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Grafana;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;

// "dump <dir>" writes the native PNGs of the benchmark's panels (3: CPU, 4: memory, 5: scrape duration) instead.
var dumpDir = args is ["dump", var d] ? d : null;
var iterations = dumpDir is null && args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var chromiumRuns = dumpDir is null && args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;

var prometheus = new PrometheusServer();
await prometheus.InitializeAsync();
await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
try
{
    Console.WriteLine($"Prometheus {prometheus.Url}, Grafana stand-in {grafana.BaseUrl}; waiting 15 s for samples");
    await Task.Delay(TimeSpan.FromSeconds(15));

    // The renderer exactly as the host builds it: the plugin registers its factory, the factory reads a section.
    var services = new ServiceCollection();
    new GrafanaRendererPlugin().Register(services, new PluginContext("promoter.renderer.grafana", AppContext.BaseDirectory, Promoter.Abstractions.PromoterContract.Version));
    var factory = services.BuildServiceProvider().GetServices<IAlertRendererFactory>().Single(f => f.Type == "grafana");
    static SettingsNode S(string v) => new SettingsScalar(v, new SourceLocation("bench", 1, 1));
    var mapping = new SettingsMapping(
    [
        new("url", S(grafana.BaseUrl.ToString())),
        new("token", S("glsa_promoter_viewer")),
    ], new SourceLocation("bench", 1, 1));
    var diagnostics = new ConfigDiagnostics();
    var renderer = (IPanelRenderer)factory.Create(new RendererSetup
    {
        Name = "grafana",
        Settings = new PluginSettings(mapping, "renderers.grafana", diagnostics),
        Services = new ServiceCollection().BuildServiceProvider(),
    });
    if (diagnostics.HasErrors)
    {
        throw new InvalidOperationException(string.Join("\n", diagnostics.Errors));
    }

    var instance = $"127.0.0.1:{prometheus.Port}";
    PanelQuery Query(int panel, ImageFormat format = ImageFormat.Png) => new()
    {
        DashboardUid = "rYdddlPWk",
        PanelId = panel,
        From = DateTimeOffset.UtcNow.AddMinutes(-10),
        Variables = new Dictionary<string, string> { ["instance"] = instance, ["job"] = "prometheus" },
        Format = format,
    };

    if (dumpDir is not null)
    {
        Directory.CreateDirectory(dumpDir);
        foreach (var panel in new[] { 3, 4, 5 })
        {
            var image = await renderer.RenderPanelAsync(Query(panel), default);
            await File.WriteAllBytesAsync(Path.Combine(dumpDir, $"panel-{panel}.png"), image.Content.ToArray());
            Console.WriteLine($"panel-{panel}.png: {image.Title}");
        }

        return;
    }

    // Warm up (JIT, fontconfig, connection pools), then the measured loop over the CPU (percent, thresholds) and the
    // memory (bytes, two series) panels.
    for (var i = 0; i < 10; i++)
    {
        await renderer.RenderPanelAsync(Query(3 + (i % 2)), default);
    }

    var before = Status("VmHWM");
    var ms = new List<double>(iterations);
    var bytes = 0L;
    for (var i = 0; i < iterations; i++)
    {
        var sw = Stopwatch.StartNew();
        var image = await renderer.RenderPanelAsync(Query(3 + (i % 2)), default);
        ms.Add(sw.Elapsed.TotalMilliseconds);
        bytes += image.Content.Length;
        if (!image.Title.Contains("native", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("expected native mode: " + image.Title);
        }
    }

    var after = Status("VmHWM");
    Report("native panel (dashboard + proxy query + draw + PNG)", ms);
    Console.WriteLine($"  {bytes / iterations / 1024.0:F1} KiB per PNG; bench process VmHWM {before / 1024.0:F1} MiB before the loop, {after / 1024.0:F1} MiB after (includes the in-process Grafana stand-in)");

    // The anchor: the same panel as an SVG, screenshotted by headless Chromium (what bench/Renderer measures).
    var dir = Directory.CreateTempSubdirectory("promoter-bench-grafana-").FullName;
    var svg = await renderer.RenderPanelAsync(Query(3, ImageFormat.Svg), default);
    var svgPath = Path.Combine(dir, "panel.svg");
    await File.WriteAllBytesAsync(svgPath, svg.Content.ToArray());
    var chromium = new List<double>();
    long chromiumPeak = 0;
    for (var i = 0; i < chromiumRuns; i++)
    {
        var profile = Directory.CreateTempSubdirectory("promoter-chromium-").FullName;
        var (t, peak) = Run("chromium",
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", $"--screenshot={Path.Combine(dir, "chromium.png")}",
            "--window-size=800,400", svgPath,
        ]);
        chromium.Add(t);
        chromiumPeak = Math.Max(chromiumPeak, peak);
        Directory.Delete(profile, recursive: true);
    }

    Report("chromium --headless --screenshot (anchor)", chromium);
    Console.WriteLine($"  chromium peak RSS (largest process of its tree): {chromiumPeak / 1024.0:F1} MiB");
    Console.WriteLine($"  p50 ratio chromium / native: ×{Stats(chromium).P50 / Stats(ms).P50:F0}");
    Directory.Delete(dir, recursive: true);
}
finally
{
    await prometheus.DisposeAsync();
}

static (double P50, double P99) Stats(List<double> ms)
{
    var sorted = ms.Order().ToList();
    return (sorted[sorted.Count / 2], sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)]);
}

static void Report(string name, List<double> ms)
{
    var (p50, p99) = Stats(ms);
    Console.WriteLine($"{name,-52} n={ms.Count,4}  p50={p50,9:F2} ms  p99={p99,9:F2} ms");
}

static long Status(string key)
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith(key + ":", StringComparison.Ordinal))
        {
            return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }

    return 0;
}

// Runs a program under /usr/bin/time to get its peak resident set size (KiB).
static (double Ms, long PeakKiB) Run(string program, string[] arguments)
{
    var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true };
    psi.ArgumentList.Add("-f");
    psi.ArgumentList.Add("MAXRSS=%M");
    psi.ArgumentList.Add(program);
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    var ms = sw.Elapsed.TotalMilliseconds;
    var line = err.Result.Split('\n').LastOrDefault(l => l.StartsWith("MAXRSS=", StringComparison.Ordinal));
    return (ms, line is null ? 0 : long.Parse(line[7..], CultureInfo.InvariantCulture));
}
