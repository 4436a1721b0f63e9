using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;
using Promoter.Host.Metrics;

/// <summary>
/// The host's /metrics writer (PrometheusTextExporter, a MeterListener over the "Promoter" meters) against
/// prometheus-net 8.2.1, two ways: its MeterAdapter over the same System.Diagnostics.Metrics instruments (the
/// smallest switch), and its own counters and histograms (a rewrite of every instrument). Each contender runs in a
/// child process of its own: two threads record the host's kinds of measurements as fast as they can while a third
/// scrapes every 100 ms (Prometheus scrapes every 15 s; this is a stress rate), and the last scrape goes through
/// `promtool check metrics`.
/// </summary>
internal static class MetricsExporters
{
    private static readonly string[] Receivers = Enumerable.Range(0, 20).Select(i => $"team-{i}").ToArray();
    private static readonly string[] ReceiverResults = ["accepted", "duplicate", "rejected", "unavailable"];
    private static readonly string[] Channels = Enumerable.Range(0, 10).Select(i => $"robot-{i}").ToArray();
    private static readonly string[] DeliveryResults = ["success", "transient", "rate_limited", "auth", "invalid_request", "permanent"];
    private static readonly string[] Renderers = ["prom", "prom-hidpi", "grafana"];
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    public static async Task RunAsync(string[] args)
    {
        if (args.Length >= 3 && args[0] == "child")
        {
            await ChildAsync(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
            return;
        }

        var seconds = args.Length > 0 ? args[0] : "6";
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("promtool is missing: apt-get install prometheus");
        Console.WriteLine($"load before: {Bench.Load()}");
        var dir = Directory.CreateTempSubdirectory("promoter-metrics-").FullName;
        var lines = new List<(string Name, Dictionary<string, string> F)>();
        foreach (var contender in new[] { "ours", "pnet-adapter", "pnet-native" })
        {
            var file = Path.Combine(dir, contender + ".txt");
            var line = Bench.Child("metrics", "child", contender, seconds, file).Trim().Split('\n')[^1];
            var check = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            await check.StandardInput.WriteAsync(await File.ReadAllTextAsync(file));
            check.StandardInput.Close();
            var problems = (await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync()).Trim();
            await check.WaitForExitAsync();
            Console.WriteLine(line);
            Console.WriteLine($"  promtool check metrics: exit {check.ExitCode}{(problems.Length == 0 ? ", no findings" : ":\n    " + problems.Replace("\n", "\n    ", StringComparison.Ordinal))}");
            Console.WriteLine($"  output kept in {file}");
            lines.Add((contender, line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => x.Split('=')).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1])));
        }

        Console.WriteLine($"load after:  {Bench.Load()}");
        var ours = lines[0].F;
        foreach (var (name, f) in lines.Skip(1))
        {
            double R(string key) => double.Parse(f[key], CultureInfo.InvariantCulture) / double.Parse(ours[key], CultureInfo.InvariantCulture);
            Console.WriteLine($"{name} / ours in this run: scrape p50 ×{R("scrape_p50_ms"):F2}, p99 ×{R("scrape_p99_ms"):F2}, allocated/scrape ×{R("alloc_kib"):F2}, " +
                $"recordings/s ×{R("recordings_per_s"):F2}, peak RSS ×{R("peak_mib"):F2}, output bytes ×{R("bytes"):F2}");
        }
    }

    private static async Task ChildAsync(string contender, double seconds, string outFile)
    {
        Func<string> scrape;
        Action<int, long> record;
        CollectorRegistry? registry = null;
        IDisposable? keep = null;
        var queueDepth = 0L;
        if (contender == "pnet-native")
        {
            registry = Metrics.NewCustomRegistry();
            var factory = Metrics.WithCustomRegistry(registry);
            var webhooks = factory.CreateCounter("promoter_webhooks_received_total", "Webhook requests by receiver and result.", ["receiver", "result"]);
            var deliveries = factory.CreateCounter("promoter_deliveries_total", "Finished deliveries by channel and result.", ["channel", "result"]);
            var renders = factory.CreateHistogram("promoter_render_duration_seconds", "Time to render the charts of one alert.",
                new HistogramConfiguration { LabelNames = ["renderer"], Buckets = Buckets });
            var depth = factory.CreateGauge("promoter_queue_depth", "Deliveries waiting to be sent.");
            registry.AddBeforeCollectCallback(() => depth.Set(Interlocked.Read(ref queueDepth)));
            record = (thread, i) =>
            {
                webhooks.WithLabels(Receivers[i % Receivers.Length], ReceiverResults[i % ReceiverResults.Length]).Inc();
                deliveries.WithLabels(Channels[(i + thread) % Channels.Length], DeliveryResults[i % DeliveryResults.Length]).Inc();
                renders.WithLabels(Renderers[i % Renderers.Length]).Observe((i % 1000) / 500.0);
            };
        }
        else
        {
            var meter = new Meter("Promoter");
            var webhooks = meter.CreateCounter<long>("promoter_webhooks_received_total", description: "Webhook requests by receiver and result.");
            var deliveries = meter.CreateCounter<long>("promoter_deliveries_total", description: "Finished deliveries by channel and result.");
            var renders = meter.CreateHistogram<double>("promoter_render_duration_seconds", unit: "s", description: "Time to render the charts of one alert.");
            meter.CreateObservableGauge("promoter_queue_depth", () => Interlocked.Read(ref queueDepth), description: "Deliveries waiting to be sent.");
            record = (thread, i) =>
            {
                webhooks.Add(1, new("receiver", Receivers[i % Receivers.Length]), new("result", ReceiverResults[i % ReceiverResults.Length]));
                deliveries.Add(1, new("channel", Channels[(i + thread) % Channels.Length]), new("result", DeliveryResults[i % DeliveryResults.Length]));
                renders.Record((i % 1000) / 500.0, new KeyValuePair<string, object?>("renderer", Renderers[i % Renderers.Length]));
            };
        }

        if (contender == "ours")
        {
            var exporter = new PrometheusTextExporter();
            keep = exporter;
            scrape = exporter.Collect;
        }
        else
        {
            if (contender == "pnet-adapter")
            {
                registry = Metrics.NewCustomRegistry();
                keep = MeterAdapter.StartListening(new MeterAdapterOptions
                {
                    Registry = registry,
                    MetricFactory = Metrics.WithCustomRegistry(registry), // else the series go to the default registry
                    ResolveHistogramBuckets = _ => Buckets,
                    InstrumentFilterPredicate = instrument => instrument.Meter.Name == "Promoter",
                });
            }

            var r = registry!;
            scrape = () =>
            {
                using var stream = new MemoryStream();
                r.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
                return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            };
        }

        // Warm-up: every series exists and every code path is compiled before timing.
        for (var i = 0; i < 5000; i++)
        {
            record(0, i);
        }

        scrape();

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var counts = new long[2];
        var writers = Enumerable.Range(0, 2).Select(t => Task.Factory.StartNew(() =>
        {
            long i = 0;
            while (!stop.IsCancellationRequested)
            {
                record(t, (int)(i & 0x3fffffff));
                i++;
                Interlocked.Increment(ref queueDepth);
                Interlocked.Decrement(ref queueDepth);
            }

            counts[t] = i;
        }, TaskCreationOptions.LongRunning)).ToArray();

        var scrapeMs = new List<double>();
        var allocKiB = new List<double>();
        var text = "";
        var started = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var a0 = GC.GetAllocatedBytesForCurrentThread();
            var t0 = Stopwatch.GetTimestamp();
            text = scrape();
            scrapeMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            allocKiB.Add((GC.GetAllocatedBytesForCurrentThread() - a0) / 1024.0);
            await Task.Delay(100);
        }

        await Task.WhenAll(writers);
        var elapsed = started.Elapsed.TotalSeconds;
        text = scrape();
        await File.WriteAllTextAsync(outFile, text);
        keep?.Dispose();
        var (p50, p99) = Bench.Stats(scrapeMs);
        var series = text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{contender,-12} scrapes={scrapeMs.Count} scrape_p50_ms={p50:F3} scrape_p99_ms={p99:F3} alloc_kib={Bench.Stats(allocKiB).P50:F1} " +
            $"bytes={text.Length} samples={series} recordings_per_s={(counts[0] + counts[1]) / elapsed:F0} peak_mib={Bench.PeakMiB():F1}"));
    }
}
