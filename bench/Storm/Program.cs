// Alert-storm benchmark: 1,000 alert groups of 10 alerts each (charts on) posted at once to one receiver whose only
// channel is a rate-limited robot, run twice on the same build: digests off (the backlog drains one message per slot)
// and digests on. The robot stand-in enforces its limit (20 messages per window) and answers 429 beyond it.
// Time is scaled down by --scale (default 10): the robot allows 20 per 6 s instead of 20 per minute, and
// digest_after (60 s) and delivery.deadline (1 h) are divided by the same factor, so the runs take minutes.
// Reports per run: time until every alert has appeared in some message, messages sent, alerts dropped (recorded as
// failed), limit violations, and Promoter's peak RSS (VmHWM).
//
// Peak RSS is also sampled (VmRSS every 100 ms) and split by phase: while the groups are being posted, and after.
//
//   dotnet run -c Release --project bench/Storm -- [--groups 1000] [--alerts 10] [--scale 10] [--digests both|on|off] [--max-charts 6] [--trace]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

var groups = Arg("--groups", 1000);
var alertsPerGroup = Arg("--alerts", 10);
var scale = Arg("--scale", 12);
var maxCharts = Arg("--max-charts", 6);
var trace = args.Contains("--trace"); // a line every 0.5 s: RSS, managed heap, deliveries, messages
var window = TimeSpan.FromMinutes(1) / scale;
var digestAfter = TimeSpan.FromSeconds(60) / scale;
var deadline = TimeSpan.FromHours(1) / scale;

Console.WriteLine("publishing src/Host (Release)…");
var published = TestPaths.NewTempDirectory("promoter-storm-published");
await using (var publish = ChildProcess.Start("dotnet",
    ["publish", Path.Combine(TestPaths.RepositoryRoot, "src", "Host", "Promoter.Host.csproj"), "-c", "Release", "-o", published, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"],
    TestPaths.RepositoryRoot))
{
    if (await publish.WaitForExitAsync(TimeSpan.FromMinutes(40)) != 0)
    {
        Console.Error.WriteLine(publish.Output);
        return 1;
    }
}

var prometheusBinary = RequiredTool.Find("prometheus", "apt-get install -y prometheus");
var promDir = TestPaths.NewTempDirectory("promoter-storm-prometheus");
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
await Task.Delay(TimeSpan.FromSeconds(5));

var results = new List<string>();
var modes = ArgText("--digests", "both") switch
{
    "on" => new[] { true },
    "off" => [false],
    _ => [false, true],
};
foreach (var digests in modes)
{
    results.Add(await RunAsync(digests));
}

Console.WriteLine();
Console.WriteLine($"| digests | every alert in a message after | messages | alerts named (shown or listed) | alerts only counted | alerts dropped (failed) | 429s from the robot | peak RSS |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var line in results)
{
    Console.WriteLine(line);
}

Console.WriteLine($"({groups} groups × {alertsPerGroup} alerts, robot limit 20 per {window.TotalSeconds:0.#} s (1/{scale} of DingTalk's minute), digest_after {digestAfter.TotalSeconds:0.#} s, deadline {deadline.TotalMinutes:0.#} min)");
return 0;

async Task<string> RunAsync(bool digests)
{
    // The robot stand-in: 20 messages in any window; beyond that 429, as a robot at its limit refuses.
    var arrivals = new List<DateTimeOffset>();
    var covered = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
    long countedOnly = 0, messages = 0, refused = 0;
    await using var robot = await RecordingHttpSink.StartAsync();
    robot.Decide = request =>
    {
        lock (arrivals)
        {
            arrivals.RemoveAll(a => a <= request.At - window);
            if (arrivals.Count >= 20)
            {
                Interlocked.Increment(ref refused);
                return 429;
            }

            arrivals.Add(request.At);
        }

        Interlocked.Increment(ref messages);
        using var doc = JsonDocument.Parse(request.Body);
        foreach (var a in doc.RootElement.GetProperty("alerts").EnumerateArray())
        {
            covered.TryAdd(a.GetProperty("fingerprint").GetString()!, 0);
        }

        if (doc.RootElement.TryGetProperty("digest", out var digest))
        {
            foreach (var o in digest.GetProperty("others").EnumerateArray())
            {
                covered.TryAdd(o.GetProperty("fingerprint").GetString()!, 0);
            }

            Interlocked.Add(ref countedOnly, digest.GetProperty("unlisted").GetInt32());
        }

        return 200;
    };

    var config = $$"""
        renderers:
          prom: { type: prometheus, url: "http://127.0.0.1:{{promPort}}", window: 5m }
        stores:
          disk: { type: local }
        channels:
          robot: { type: webhook, url: "{{robot.Url}}robot/send", rate_limit: { messages: 20, per: {{(int)window.TotalMilliseconds}}ms } }
        receivers:
          - name: storm
            renderer: prom
            store: disk
            channels: [robot]
            digest_after: {{(digests ? $"{(int)digestAfter.TotalMilliseconds}ms" : "off")}}
            max_charts: {{maxCharts}}
        delivery: { workers: 8, deadline: {{(int)deadline.TotalSeconds}}s }
        """;
    await using var promoter = await PromoterProcess.StartAsync(config, hostDirectory: published);
    using var http = new HttpClient { BaseAddress = promoter.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    var generator = $"http://127.0.0.1:{promPort}/graph?g0.expr={Uri.EscapeDataString("rate(prometheus_http_requests_total[1m]) > 0")}&g0.tab=1";
    var severities = new[] { "critical", "warning", "warning", "info", "info" };
    var idle = ReadKiB(await File.ReadAllLinesAsync($"/proc/{promoter.ProcessId}/status"), "VmRSS:") / 1024.0;
    Console.WriteLine($"digests {(digests ? "on" : "off")}: VmRSS before the storm {idle:0.0} MiB");
    var started = Stopwatch.GetTimestamp();
    // VmRSS sampled every 100 ms, by phase: the peak says where the memory goes (intake, or drain and render).
    var phase = "intake";
    var peaks = new ConcurrentDictionary<string, (double MiB, double At, string Split)>(StringComparer.Ordinal);
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            try
            {
                var sample = await File.ReadAllLinesAsync($"/proc/{promoter.ProcessId}/status");
                var rss = ReadKiB(sample, "VmRSS:") / 1024.0;
                var at = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var split = $"anonymous {ReadKiB(sample, "RssAnon:") / 1024.0:0.0} + file-backed {ReadKiB(sample, "RssFile:") / 1024.0:0.0} + shared {ReadKiB(sample, "RssShmem:") / 1024.0:0.0} MiB";
                peaks.AddOrUpdate(phase, (rss, at, split), (_, old) => rss > old.MiB ? (rss, at, split) : old);
                await Task.Delay(100, sampling.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return;
            }
        }
    });
    await Parallel.ForEachAsync(Enumerable.Range(0, groups), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (g, _) =>
    {
        var now = DateTimeOffset.UtcNow.AddSeconds(-30).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var alerts = string.Join(",", Enumerable.Range(0, alertsPerGroup).Select(a => $$"""
            {"status":"firing","labels":{"alertname":"Storm{{g % 7}}","instance":"i{{g}}-{{a}}","severity":"{{severities[(g + a) % severities.Length]}}"},
            "annotations":{"summary":"storm {{g}}/{{a}}"},"startsAt":"{{now}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"{{generator}}","fingerprint":"{{(g * 100) + a:x16}}"}
            """));
        var body = $$"""
            {"receiver":"storm","status":"firing","alerts":[{{alerts}}],"groupLabels":{"g":"{{g}}"},"commonLabels":{},"commonAnnotations":{},
            "externalURL":"http://alertmanager","version":"4","groupKey":"{}:{g=\"{{g}}\"}","truncatedAlerts":0}
            """;
        using var response = await http.PostAsync("webhook/storm", new StringContent(body, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"group {g}: HTTP {(int)response.StatusCode}");
        }
    });
    var posted = Stopwatch.GetElapsedTime(started);
    phase = "after intake";
    var total = groups * alertsPerGroup;

    // Done when every alert is named or counted in a message, or every delivery has finished (some failed).
    var limit = deadline + TimeSpan.FromMinutes(2);
    double? allIn = null;
    long failed = 0, gcCommittedPeak = 0;
    while (Stopwatch.GetElapsedTime(started) < limit)
    {
        if (allIn is null && covered.Count + Interlocked.Read(ref countedOnly) >= total)
        {
            allIn = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        var metrics = await http.GetStringAsync("metrics");
        gcCommittedPeak = Math.Max(gcCommittedPeak, Sum(metrics, "dotnet_gc_committed_bytes", ""));
        if (trace)
        {
            Console.WriteLine($"trace {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0}s rss {ReadKiB(await File.ReadAllLinesAsync($"/proc/{promoter.ProcessId}/status"), "VmRSS:") / 1024.0:0.0} committed {Sum(metrics, "dotnet_gc_committed_bytes", "") / 1048576.0:0.0} heap {Sum(metrics, "dotnet_gc_heap_size_bytes", "") / 1048576.0:0.0} gen2 {Sum(metrics, "dotnet_gc_collections_total", "gen2")} alloc {Sum(metrics, "dotnet_gc_allocated_bytes_total", "") / 1048576:0} delivered {Sum(metrics, "promoter_deliveries_total{", "")} messages {messages}");
        }
        failed = Sum(metrics, "promoter_deliveries_total{", "result=\"DeadlineExceeded\"");
        var finished = Sum(metrics, "promoter_deliveries_total{", "");
        if (finished >= groups)
        {
            break;
        }

        await Task.Delay(500);
    }

    var status = await File.ReadAllLinesAsync($"/proc/{promoter.ProcessId}/status");
    var hwm = ReadKiB(status, "VmHWM:");
    Console.WriteLine($"digests {(digests ? "on" : "off")}: at the end VmRSS {ReadKiB(status, "VmRSS:") / 1024.0:0.0} MiB = anonymous {ReadKiB(status, "RssAnon:") / 1024.0:0.0} + file-backed {ReadKiB(status, "RssFile:") / 1024.0:0.0} MiB");
    // A process on SQLite should never map the PostgreSQL driver (only a Release build inlines, so only here can tell).
    var npgsqlMapped = (await File.ReadAllLinesAsync($"/proc/{promoter.ProcessId}/maps")).Any(l => l.Contains("Npgsql", StringComparison.OrdinalIgnoreCase));
    Console.WriteLine($"digests {(digests ? "on" : "off")}: Npgsql mapped: {(npgsqlMapped ? "yes (unexpected on SQLite)" : "no")}");
    foreach (var line in (await http.GetStringAsync("metrics")).Split('\n').Where(l => l.StartsWith("dotnet_gc_", StringComparison.Ordinal) || l.StartsWith("process_threads", StringComparison.Ordinal)))
    {
        Console.WriteLine($"digests {(digests ? "on" : "off")}: at the end {line}");
    }

    Console.WriteLine($"digests {(digests ? "on" : "off")}: managed heap committed, largest seen every 0.5 s after intake: {gcCommittedPeak / 1048576.0:0.0} MiB");
    await sampling.CancelAsync();
    await sampler;
    foreach (var (name, peak) in peaks.OrderBy(p => p.Value.At))
    {
        Console.WriteLine($"digests {(digests ? "on" : "off")}: peak VmRSS {name}: {peak.MiB:0.0} MiB at {peak.At:0.0} s ({peak.Split})");
    }

    Console.WriteLine($"digests {(digests ? "on" : "off")}: posted {groups} groups in {posted.TotalSeconds:0.0}s; {messages} messages; {covered.Count} alerts named, {countedOnly} counted only; {failed} deliveries failed; {refused} refused by the robot; VmHWM {hwm / 1024.0:0.0} MiB");
    return $"| {(digests ? "on" : "off")} | {(allIn is { } s ? $"{s:0} s" : $"not within {limit.TotalMinutes:0} min")} | {messages} | {covered.Count} | {countedOnly} | {failed * alertsPerGroup} ({failed} groups) | {refused} | {hwm / 1024.0:0.0} MiB |";
}

static long ReadKiB(string[] status, string field) =>
    long.Parse(status.First(l => l.StartsWith(field, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

string ArgText(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static long Sum(string metrics, string prefix, string contains) => metrics.Split('\n')
    .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(contains, StringComparison.Ordinal))
    .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
