// Renders an 800×400 chart of 3 series × 300 points: in-process (SVG writer + librsvg + our PNG encoder),
// then the same SVG through an rsvg-convert process and a headless Chromium screenshot. Prints p50/p99 and ratios.
using System.Diagnostics;
using System.Globalization;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;
using Promoter.Renderer.Prometheus.Raster;

if (args.Length > 0 && args[0].StartsWith("scottplot", StringComparison.Ordinal))
{
    ScottPlotComparison.Run(args); // the ScottPlot comparison of docs/dependencies.md
    return;
}

var dump = args.Length == 2 && args[0] == "dump" ? args[1] : null;
var numeric = args.Length == 0 || char.IsAsciiDigit(args[0][0]);
var iterations = args.Length > 0 && numeric ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
var processRuns = args.Length > 1 && numeric ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
var now = dump is null ? DateTimeOffset.UtcNow : new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
var model = new ChartModel
{
    Title = "HighCpuUsage",
    Expression = "avg by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])) > 0.8",
    From = now.AddSeconds(-300 * 12),
    To = now,
    Step = TimeSpan.FromSeconds(12),
    Series = Enumerable.Range(0, 3).Select(s => new ChartSeries($"{{instance=\"node-{s}:9100\"}}",
        Enumerable.Range(0, 300).Select(i => new Sample(now.ToUnixTimeSeconds() - ((299 - i) * 12),
            0.5 + (0.1 * s) + (0.2 * Math.Sin((i / 20.0) + s)) + (0.03 * Math.Sin(i * 1.3)))).ToList())).ToList(),
    Threshold = 0.8,
    Direction = BreachDirection.Above,
    FiringAt = now.AddMinutes(-20),
    Unit = Unit.PercentUnit,
};

if (dump is not null)
{
    // `dump <dir>`: the benchmark chart (fixed clock) as SVG and PNG at both scales, to compare pixels across encoder changes.
    Directory.CreateDirectory(dump);
    foreach (var scale in new[] { 1.0, 2.0 })
    {
        var style = new ChartStyle { Scale = scale };
        var svg = SvgChartWriter.Write(model, style);
        File.WriteAllText(Path.Combine(dump, $"chart-{scale}.svg"), svg);
        File.WriteAllBytes(Path.Combine(dump, $"chart-{scale}.png"), PngRasterizer.Rasterize(svg, style));
        LibRsvg.Render(System.Text.Encoding.UTF8.GetBytes(svg), style.PixelWidth, style.PixelHeight, (px, w, h, stride) =>
        {
            File.WriteAllBytes(Path.Combine(dump, $"chart-{scale}.{w}x{h}.{stride}.bgra"), px.ToArray());
            return 0;
        });
    }

    return;
}

static (double P50, double P99, double Mean) Stats(List<double> ms)
{
    ms.Sort();
    return (ms[ms.Count / 2], ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(ms.Count * 0.99) - 1)], ms.Average());
}

void Report(string name, List<double> ms, double? baseline = null)
{
    var (p50, p99, mean) = Stats(ms);
    var ratio = baseline is { } b ? $"  ×{p50 / b:F1} vs in-process" : "";
    Console.WriteLine($"{name,-34} n={ms.Count,4}  p50={p50,8:F2} ms  p99={p99,8:F2} ms  mean={mean,8:F2} ms{ratio}");
}

if (args.Length == 2 && args[0] == "leak")
{
    // `leak <renders>`: resident set size while rendering many charts; flat RSS means no handle or surface leaks.
    var renders = int.Parse(args[1], CultureInfo.InvariantCulture);
    var style = new ChartStyle();
    for (var i = 1; i <= renders; i++)
    {
        PngRasterizer.Rasterize(SvgChartWriter.Write(model, style), style);
        if (i == 1 || i % Math.Max(1, renders / 8) == 0)
        {
            var self = Process.GetCurrentProcess();
            Console.WriteLine($"after {i,5} renders: RSS {self.WorkingSet64 / (1024.0 * 1024),6:F1} MiB, managed heap {GC.GetTotalMemory(false) / (1024.0 * 1024),5:F1} MiB, gen2 GCs {GC.CollectionCount(2)}");
        }
    }

    return;
}

var results = new Dictionary<string, List<double>>();
foreach (var scale in new[] { 1.0, 2.0 })
{
    var style = new ChartStyle { Scale = scale };
    var svg = SvgChartWriter.Write(model, style);
    for (var i = 0; i < 20; i++)
    {
        PngRasterizer.Rasterize(svg, style); // warm-up: JIT, fontconfig, pango caches
    }

    // Each iteration runs the production path (SVG writer + PngRasterizer.Rasterize) and then the same steps one
    // by one with a timestamp between them, so a burst of load on the machine hits both alike.
    List<double> svgMs = [], rasterMs = [], total = [], parseMs = [], drawMs = [], encodeMs = [], freeMs = [];
    var size = 0;
    for (var i = 0; i < iterations; i++)
    {
        var t0 = Stopwatch.GetTimestamp();
        var s = SvgChartWriter.Write(model, style);
        var t1 = Stopwatch.GetTimestamp();
        var png = PngRasterizer.Rasterize(s, style);
        var t2 = Stopwatch.GetTimestamp();
        svgMs.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
        rasterMs.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
        total.Add(Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds);
        size = png.Length;

        var bytes = System.Text.Encoding.UTF8.GetBytes(s);
        var p0 = Stopwatch.GetTimestamp();
        var document = LibRsvg.Parse(bytes);
        var p1 = Stopwatch.GetTimestamp();
        long p2 = 0, p3 = 0;
        LibRsvg.Render(document, style.PixelWidth, style.PixelHeight, (px, w, h, stride) =>
        {
            p2 = Stopwatch.GetTimestamp();
            PngEncoder.Encode(px, w, h, stride);
            p3 = Stopwatch.GetTimestamp();
            return 0;
        });
        document.Dispose();
        var p4 = Stopwatch.GetTimestamp();
        parseMs.Add(Stopwatch.GetElapsedTime(p0, p1).TotalMilliseconds);
        drawMs.Add(Stopwatch.GetElapsedTime(p1, p2).TotalMilliseconds);
        encodeMs.Add(Stopwatch.GetElapsedTime(p2, p3).TotalMilliseconds);
        freeMs.Add(Stopwatch.GetElapsedTime(p3, p4).TotalMilliseconds);
    }

    var label = $"scale {scale} ({style.PixelWidth}x{style.PixelHeight})";
    Console.WriteLine($"-- in-process, {label}, PNG {size / 1024.0:F1} KiB");
    Report("  SVG writer", svgMs);
    Report("  PngRasterizer.Rasterize", rasterMs);
    Report("  total (writer + rasterize)", total);
    Report("    step: librsvg parse", parseMs);
    Report("    step: cairo surface + drawing", drawMs);
    Report("    step: PNG encoding", encodeMs);
    Report("    step: free surface + handle", freeMs);
    results[label] = total;

    // Many threads at once: throughput on this machine's cores.
    var parallelSw = Stopwatch.StartNew();
    Parallel.For(0, iterations, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, _ => PngRasterizer.Rasterize(SvgChartWriter.Write(model, style), style));
    Console.WriteLine($"  parallel ({Environment.ProcessorCount} threads): {iterations / parallelSw.Elapsed.TotalSeconds:F0} charts/s");
}

var inProcessP50 = Stats(results.First().Value).P50;
var peakManaged = GC.GetTotalMemory(false) / (1024.0 * 1024);
var current = Process.GetCurrentProcess();
Console.WriteLine($"in-process peak working set: {current.PeakWorkingSet64 / (1024.0 * 1024):F1} MiB (now {current.WorkingSet64 / (1024.0 * 1024):F1} MiB, managed heap now {peakManaged:F1} MiB, gen2 GCs {GC.CollectionCount(2)})");
Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}");

var dir = Directory.CreateTempSubdirectory("promoter-bench-").FullName;
var svgPath = Path.Combine(dir, "chart.svg");
File.WriteAllText(svgPath, SvgChartWriter.Write(model, new ChartStyle()));

List<double> rsvg = [];
long rsvgPeak = 0;
for (var i = 0; i < processRuns; i++)
{
    var (ms, peak) = Run("rsvg-convert", ["-o", Path.Combine(dir, "rsvg.png"), svgPath]);
    rsvg.Add(ms);
    rsvgPeak = Math.Max(rsvgPeak, peak);
}

Report("rsvg-convert process", rsvg, inProcessP50);
Console.WriteLine($"  rsvg-convert peak RSS: {rsvgPeak / 1024.0:F1} MiB");

List<double> chromium = [];
long chromiumPeak = 0;
for (var i = 0; i < Math.Max(3, processRuns / 3); i++)
{
    var profile = Directory.CreateTempSubdirectory("promoter-chromium-").FullName;
    var (ms, peak) = Run("chromium",
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", $"--screenshot={Path.Combine(dir, "chromium.png")}",
        "--window-size=800,400", svgPath,
    ]);
    chromium.Add(ms);
    chromiumPeak = Math.Max(chromiumPeak, peak);
    Directory.Delete(profile, recursive: true);
}

Report("chromium --headless --screenshot", chromium, inProcessP50);
Console.WriteLine($"  chromium peak RSS (largest process of its tree): {chromiumPeak / 1024.0:F1} MiB");

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
