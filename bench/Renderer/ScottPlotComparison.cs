// `scottplot [iterations=200]`: the same 800×400 chart (3 series × 300 points, threshold, breach shading, firing
// marker, legend, CJK title) drawn by the project's renderer (SVG writer + librsvg + our PNG encoder) and by
// ScottPlot 5 (SkiaSharp), each in a child process of its own so that each peak resident set size is its own.
// Prints p50/p99/peak and the ratios of this one run, and writes both pictures side by side.
using System.Diagnostics;
using System.Globalization;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;
using Promoter.Renderer.Prometheus.Raster;
using SkiaSharp;

internal static class ScottPlotComparison
{
    private const string Title = "CPU 使用率过高 · HighCpuUsage";
    private const double Threshold = 0.8;

    public static void Run(string[] args)
    {
        if (args.Length >= 3 && args[0] == "scottplot-child")
        {
            Child(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args.Length > 3 ? args[3] : null);
            return;
        }

        var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var output = args.Length > 2 ? args[2] : Path.Combine(Directory.CreateTempSubdirectory("promoter-scottplot-").FullName, "side-by-side.png");
        var dir = Path.GetDirectoryName(Path.GetFullPath(output))!;
        var ours = Path.Combine(Path.GetTempPath(), $"promoter-ours-{Environment.ProcessId}.png");
        var theirs = Path.Combine(Path.GetTempPath(), $"promoter-scottplot-{Environment.ProcessId}.png");

        Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        var a = Spawn("ours", iterations, ours);
        var b = Spawn("scottplot", iterations, theirs);
        Console.WriteLine($"load after:  {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine(a.Line);
        Console.WriteLine(b.Line);
        Console.WriteLine($"ScottPlot / ours in this run: p50 ×{b.P50 / a.P50:F2}, p99 ×{b.P99 / a.P99:F2}, peak RSS ×{b.PeakMiB / a.PeakMiB:F2}, PNG size ×{b.Bytes / (double)a.Bytes:F2}");

        SideBySide(ours, theirs, output);
        Console.WriteLine($"side by side: {output}");
        Directory.CreateDirectory(dir);
    }

    private sealed record ChildResult(string Line, double P50, double P99, double PeakMiB, long Bytes);

    private static ChildResult Spawn(string which, int iterations, string png)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(ScottPlotComparison).Assembly.Location);
        }

        foreach (var a in new[] { "scottplot-child", which, iterations.ToString(CultureInfo.InvariantCulture), png })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{which} failed:\n{text}\n{err.Result}");
        }

        var last = text.Split('\n')[^1];
        var f = last.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => x.Split('=')).Where(x => x.Length == 2)
            .ToDictionary(x => x[0], x => x[1]);
        return new ChildResult(last, double.Parse(f["p50"], CultureInfo.InvariantCulture), double.Parse(f["p99"], CultureInfo.InvariantCulture),
            double.Parse(f["peak"], CultureInfo.InvariantCulture), long.Parse(f["png"], CultureInfo.InvariantCulture));
    }

    private static void Child(string which, int iterations, string? pngPath)
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var series = Enumerable.Range(0, 3).Select(s => (
            Name: $"{{instance=\"node-{s}:9100\"}}",
            Points: Enumerable.Range(0, 300).Select(i => (T: now.AddSeconds(-(299 - i) * 12),
                V: 0.5 + (0.1 * s) + (0.2 * Math.Sin((i / 20.0) + s)) + (0.03 * Math.Sin(i * 1.3)))).ToArray())).ToArray();
        var firing = now.AddMinutes(-20);

        Func<byte[]> draw = which == "ours" ? Ours(series, now, firing) : WithScottPlot(series, firing);
        for (var i = 0; i < 10; i++)
        {
            draw(); // warm-up: JIT, font caches
        }

        var ms = new List<double>(iterations);
        byte[] png = [];
        for (var i = 0; i < iterations; i++)
        {
            var t = Stopwatch.GetTimestamp();
            png = draw();
            ms.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        if (pngPath is not null)
        {
            File.WriteAllBytes(pngPath, png);
        }

        ms.Sort();
        var p50 = ms[ms.Count / 2];
        var p99 = ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(ms.Count * 0.99) - 1)];
        var peakKiB = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{which,-9} n={iterations} p50={p50:F2} p99={p99:F2} peak={double.Parse(peakKiB, CultureInfo.InvariantCulture) / 1024:F1} png={png.Length}"));
    }

    private static Func<byte[]> Ours((string Name, (DateTimeOffset T, double V)[] Points)[] series, DateTimeOffset now, DateTimeOffset firing)
    {
        var model = new ChartModel
        {
            Title = Title,
            Expression = "avg by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])) > 0.8",
            From = now.AddSeconds(-300 * 12),
            To = now,
            Step = TimeSpan.FromSeconds(12),
            Series = series.Select(s => new ChartSeries(s.Name, s.Points.Select(p => new Sample(p.T.ToUnixTimeSeconds(), p.V)).ToList())).ToList(),
            Threshold = Threshold,
            Direction = BreachDirection.Above,
            FiringAt = firing,
            Unit = Unit.PercentUnit,
        };
        var style = new ChartStyle();
        return () => PngRasterizer.Rasterize(SvgChartWriter.Write(model, style), style);
    }

    private static Func<byte[]> WithScottPlot((string Name, (DateTimeOffset T, double V)[] Points)[] series, DateTimeOffset firing)
    {
        // What a ScottPlot version of the renderer would do per chart: build the plot from the series, render, encode.
        return () =>
        {
            using var plot = new global::ScottPlot.Plot();
            plot.Font.Set("Noto Sans CJK SC"); // without it the CJK title is drawn as boxes (DEPENDENCIES.md)
            var max = double.MinValue;
            foreach (var (name, points) in series)
            {
                var xs = points.Select(p => p.T.UtcDateTime.ToOADate()).ToArray();
                var ys = points.Select(p => p.V).ToArray();
                max = Math.Max(max, ys.Max());
                var line = plot.Add.ScatterLine(xs, ys);
                line.LegendText = $"{name}  {ys[^1]:P1}";
                line.LineWidth = 1.5f;
            }

            var breach = plot.Add.VerticalSpan(Threshold, 1.0); // a span of y values, drawn across the plot
            breach.FillStyle.Color = global::ScottPlot.Colors.Red.WithAlpha(0.08);
            breach.LineStyle.Width = 0;
            var threshold = plot.Add.HorizontalLine(Threshold);
            threshold.Color = global::ScottPlot.Colors.Red;
            threshold.LinePattern = global::ScottPlot.LinePattern.Dashed;
            var marker = plot.Add.VerticalLine(firing.UtcDateTime.ToOADate());
            marker.Color = global::ScottPlot.Colors.OrangeRed;
            marker.Text = "firing";
            plot.Axes.DateTimeTicksBottom();
            var left = new global::ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => v.ToString("P0", CultureInfo.InvariantCulture) };
            plot.Axes.Left.TickGenerator = left;
            plot.Axes.SetLimitsY(0, 1);
            plot.Title(Title);
            plot.ShowLegend(global::ScottPlot.Edge.Bottom); // below the plot, as ours
            return plot.GetImageBytes(800, 400, global::ScottPlot.ImageFormat.Png);
        };
    }

    private static void SideBySide(string leftPng, string rightPng, string output)
    {
        using var left = SKBitmap.Decode(leftPng);
        using var right = SKBitmap.Decode(rightPng);
        const int Header = 28, Gap = 16;
        using var surface = SKSurface.Create(new SKImageInfo(left.Width + Gap + right.Width, Header + Math.Max(left.Height, right.Height)));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.FromFamilyName("DejaVu Sans"), 15);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText("Promoter: SVG + librsvg (Renderer.Prometheus)", 8, 19, font, paint);
        canvas.DrawText("ScottPlot 5.1.59 (SkiaSharp)", left.Width + Gap + 8, 19, font, paint);
        canvas.DrawBitmap(left, 0, Header);
        canvas.DrawBitmap(right, left.Width + Gap, Header);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        using var file = File.Create(output);
        data.SaveTo(file);
    }
}
