// End-to-end benchmark: a real Prometheus (scraping itself every second), the PUBLISHED Promoter (Release) with
// the Prometheus renderer, the local image store and a webhook channel, and a local receiving server. Webhooks
// are posted straight to Promoter (Alertmanager's grouping waits would dominate the latency), one alert group
// with one chart each, at a fixed rate; the latency is webhook POST -> channel receipt. Then a burst measures
// the most groups a second. Peak memory is VmHWM of Promoter's process.
//
//   dotnet run -c Release --project bench/EndToEnd -- [--rate 50] [--seconds 20] [--burst 1000]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

var rate = Arg("--rate", 50);
var seconds = Arg("--seconds", 20);
var burst = Arg("--burst", 1000);

Console.WriteLine("publishing src/Host (Release)…");
var published = TestPaths.NewTempDirectory("promoter-bench-published");
// PROMOTER_BENCH_PUBLISH_ARGS adds publish options, e.g. "-r linux-x64 --self-contained false -p:PublishReadyToRun=true".
var extraPublishArgs = (Environment.GetEnvironmentVariable("PROMOTER_BENCH_PUBLISH_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
await using (var publish = ChildProcess.Start("dotnet",
    ["publish", Path.Combine(TestPaths.RepositoryRoot, "src", "Host", "Promoter.Host.csproj"), "-c", "Release", "-o", published, "-nologo", "-v", "quiet", "-clp:ErrorsOnly", .. extraPublishArgs],
    TestPaths.RepositoryRoot))
{
    if (await publish.WaitForExitAsync(TimeSpan.FromMinutes(10)) != 0)
    {
        Console.Error.WriteLine(publish.Output);
        return 1;
    }
}

// Prometheus scraping itself, so every chart has a real series.
var prometheusBinary = RequiredTool.Find("prometheus", "apt-get install -y prometheus");
var promDir = TestPaths.NewTempDirectory("promoter-bench-prometheus");
var promPort = FreePort.Next();
await File.WriteAllTextAsync(Path.Combine(promDir, "prometheus.yml"), $$"""
    global: { scrape_interval: 1s }
    scrape_configs:
      - job_name: prometheus
        static_configs: [ { targets: ['127.0.0.1:{{promPort}}'] } ]
    """);
await using var prometheus = ChildProcess.Start(prometheusBinary,
    ["--config.file=" + Path.Combine(promDir, "prometheus.yml"), "--storage.tsdb.path=" + Path.Combine(promDir, "data"),
     $"--web.listen-address=127.0.0.1:{promPort}"], promDir);
await prometheus.WaitForHttpAsync($"http://127.0.0.1:{promPort}/-/ready", TimeSpan.FromSeconds(60));
await Task.Delay(TimeSpan.FromSeconds(5)); // a few scrapes of history

// The channel's receiving server records when each group arrives.
var received = new ConcurrentDictionary<string, long>();
await using var sink = await RecordingHttpSink.StartAsync();
sink.Decide = request =>
{
    using var doc = JsonDocument.Parse(request.Body);
    received.TryAdd(doc.RootElement.GetProperty("groupKey").GetString()!, Stopwatch.GetTimestamp());
    return 200;
};

var config = $$"""
    renderers:
      prom: { type: prometheus, url: "http://127.0.0.1:{{promPort}}", window: 5m }
    stores:
      disk: { type: local }
    channels:
      sink: { type: webhook, url: "{{sink.Url}}hook" }
    receivers:
      - name: bench
        renderer: prom
        store: disk
        channels: [sink]
    delivery: { workers: 32 }
    """;
await using var promoter = await PromoterProcess.StartAsync(config, hostDirectory: published);
Console.WriteLine($"Promoter pid {promoter.ProcessId}, Prometheus :{promPort}");

// Samples Promoter's RSS every 20 ms and keeps, per phase, the composition at the highest point: what the peak is made of.
var peaks = new ConcurrentDictionary<string, (long Rss, long Anonymous, long Files, long Shared)>(StringComparer.Ordinal);
var phase = "warm-up";
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!sampling.IsCancellationRequested)
    {
        try
        {
            long F(string[] lines, string name) => long.Parse(lines.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            var lines = await File.ReadAllLinesAsync($"/proc/{promoter.ProcessId}/status");
            var now = (Rss: F(lines, "VmRSS"), Anonymous: F(lines, "RssAnon"), Files: F(lines, "RssFile"), Shared: F(lines, "RssShmem"));
            peaks.AddOrUpdate(phase, now, (_, old) => now.Rss > old.Rss ? now : old);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
        }

        await Task.Delay(20);
    }
});

using var http = new HttpClient { BaseAddress = promoter.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
var sent = new ConcurrentDictionary<string, long>();
var generator = $"http://127.0.0.1:{promPort}/graph?g0.expr={Uri.EscapeDataString("rate(prometheus_http_requests_total[1m]) > 0")}&g0.tab=1";

async Task PostAsync(string key, int i)
{
    var now = DateTimeOffset.UtcNow.AddSeconds(-30).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
    var body = $$"""
        {"receiver":"bench","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"BenchAlert","instance":"i{{i}}","job":"prometheus"},
        "annotations":{"summary":"bench {{i}}"},"startsAt":"{{now}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"{{generator}}","fingerprint":"{{i:x16}}"}],
        "groupLabels":{"instance":"i{{i}}"},"commonLabels":{"alertname":"BenchAlert"},"commonAnnotations":{},"externalURL":"http://alertmanager",
        "version":"4","groupKey":{{JsonSerializer.Serialize(key)}},"truncatedAlerts":0}
        """;
    sent[key] = Stopwatch.GetTimestamp();
    using var response = await http.PostAsync("webhook/bench", new StringContent(body, Encoding.UTF8, "application/json"));
    if (!response.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"{key}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

async Task WaitAllAsync(IEnumerable<string> keys, TimeSpan timeout)
{
    var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    while (keys.Any(k => !received.ContainsKey(k)) && Stopwatch.GetTimestamp() < deadline)
    {
        await Task.Delay(20);
    }
}

// Warm-up (JIT, SQLite, connections): not measured.
var warm = Enumerable.Range(0, 50).Select(i => $"{{}}:{{warm=\"{i}\"}}").ToList();
await Task.WhenAll(warm.Select((k, i) => PostAsync(k, 1_000_000 + i)));
await WaitAllAsync(warm, TimeSpan.FromSeconds(60));

// Phase 1: a steady rate; latency per group.
phase = "steady";
var steady = new List<string>();
var tasks = new List<Task>();
var start = Stopwatch.GetTimestamp();
for (var i = 0; i < rate * seconds; i++)
{
    var due = start + (long)(i / (double)rate * Stopwatch.Frequency);
    while (Stopwatch.GetTimestamp() < due)
    {
        await Task.Delay(1);
    }

    var key = $"{{}}:{{steady=\"{i}\"}}";
    steady.Add(key);
    tasks.Add(PostAsync(key, i));
}

await Task.WhenAll(tasks);
await WaitAllAsync(steady, TimeSpan.FromSeconds(120));
var latencies = steady.Where(received.ContainsKey)
    .Select(k => (received[k] - sent[k]) * 1000.0 / Stopwatch.Frequency).Order().ToList();
var lost = steady.Count - latencies.Count;

// Phase 2: a burst as fast as 64 concurrent posters go; groups a second from first post to last receipt.
phase = "burst";
var burstKeys = Enumerable.Range(0, burst).Select(i => $"{{}}:{{burst=\"{i}\"}}").ToList();
var burstStart = Stopwatch.GetTimestamp();
await Parallel.ForEachAsync(burstKeys.Select((k, i) => (k, i)), new ParallelOptions { MaxDegreeOfParallelism = 64 },
    async (p, _) => await PostAsync(p.k, 2_000_000 + p.i));
var acceptedAt = Stopwatch.GetTimestamp();
await WaitAllAsync(burstKeys, TimeSpan.FromSeconds(300));
var burstEnd = burstKeys.Where(received.ContainsKey).Select(k => received[k]).DefaultIfEmpty(Stopwatch.GetTimestamp()).Max();
var burstSeconds = (burstEnd - burstStart) / (double)Stopwatch.Frequency;
var burstDelivered = burstKeys.Count(received.ContainsKey);

await sampling.CancelAsync();
await sampler;
var status = File.ReadAllLines($"/proc/{promoter.ProcessId}/status");
// Where the resident memory is: RSS summed by mapping (anonymous = managed heap and native allocations).
var rssByMapping = new Dictionary<string, long>(StringComparer.Ordinal);
var mapping = "[anon]";
foreach (var line in File.ReadLines($"/proc/{promoter.ProcessId}/smaps"))
{
    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (parts.Length >= 5 && parts[0].Contains('-', StringComparison.Ordinal) && !line.StartsWith("Rss", StringComparison.Ordinal) && !parts[0].EndsWith(':'))
    {
        mapping = parts.Length >= 6 ? Path.GetFileName(parts[5]) : "[anon]";
    }
    else if (parts.Length >= 2 && parts[0] == "Rss:")
    {
        rssByMapping[mapping] = rssByMapping.GetValueOrDefault(mapping) + long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}

string Kind(string mapping) => mapping switch
{
    "[anon]" or "[heap]" or "[stack]" => "anonymous (managed heap, native allocations, stacks)",
    "memfd:doublemapper" => "JIT code and stubs (W^X double mapping)",
    _ when mapping.EndsWith(".dll", StringComparison.Ordinal) => "managed assemblies",
    _ when mapping.Contains(".so", StringComparison.Ordinal) => "native libraries",
    _ when mapping.EndsWith(".ttf", StringComparison.Ordinal) || mapping.EndsWith(".ttc", StringComparison.Ordinal) || mapping.EndsWith(".otf", StringComparison.Ordinal) => "fonts",
    _ => "other files",
};
Console.WriteLine("RSS by kind (KiB): " + string.Join(", ", rssByMapping.GroupBy(p => Kind(p.Key))
    .Select(g => (g.Key, Sum: g.Sum(p => p.Value))).OrderByDescending(g => g.Sum).Select(g => $"{g.Key} {g.Sum}")));
Console.WriteLine("RSS by mapping (KiB): " + string.Join(", ", rssByMapping.OrderByDescending(p => p.Value).Take(40).Select(p => $"{p.Key} {p.Value}")));
string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";

// Where the time goes, from Promoter's own histograms: mean render (query + chart + store) and webhook intake.
var metrics = await http.GetStringAsync("metrics");
double Metric(string name) => metrics.Split('\n')
    .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
    .Sum(l => double.TryParse(l[(l.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0);
foreach (var h in new[] { "promoter_render_duration_seconds", "promoter_webhook_duration_seconds" })
{
    var count = Metric(h + "_count");
    Console.WriteLine($"{h}: mean {(count == 0 ? double.NaN : Metric(h + "_sum") / count * 1000):F1} ms over {count} observations");
}

double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
Console.WriteLine();
Console.WriteLine($"steady: {steady.Count} groups at {rate}/s for {seconds}s, delivered {latencies.Count}, lost {lost}");
Console.WriteLine($"  latency webhook->channel: p50 {P(0.50):F1} ms, p90 {P(0.90):F1} ms, p99 {P(0.99):F1} ms, max {latencies.LastOrDefault():F1} ms");
Console.WriteLine($"burst: {burstDelivered}/{burst} groups delivered in {burstSeconds:F2}s = {burstDelivered / burstSeconds:F0} groups/s " +
                  $"(webhooks accepted in {(acceptedAt - burstStart) / (double)Stopwatch.Frequency:F2}s)");
foreach (var name in new[] { "warm-up", "steady", "burst" })
{
    if (peaks.TryGetValue(name, out var p))
    {
        Console.WriteLine($"highest RSS sampled during {name} (every 20 ms): {p.Rss} kB (anonymous {p.Anonymous} kB, files {p.Files} kB, shared memory {p.Shared} kB)");
    }
}
Console.WriteLine($"Promoter memory: VmHWM {Field("VmHWM")}, VmRSS now {Field("VmRSS")} " +
                  $"(anonymous {Field("RssAnon")}, files {Field("RssFile")}, shared memory {Field("RssShmem")}; {Field("Threads")} threads)");
if (Environment.GetEnvironmentVariable("PROMOTER_BENCH_HOLD_SECONDS") is { } hold)
{
    // Keeps Promoter running for inspection (/proc/<pid>/smaps, /metrics) before everything is torn down.
    Console.WriteLine($"holding Promoter (pid {promoter.ProcessId}, {promoter.BaseUrl}) for {hold}s");
    await Task.Delay(TimeSpan.FromSeconds(int.Parse(hold, CultureInfo.InvariantCulture)));
}

return lost == 0 && burstDelivered == burst ? 0 : 2;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
