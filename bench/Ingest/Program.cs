// Webhook ingest with durable acknowledgement: starts Promoter (the built host) on a loopback port with
// SQLite state and the log channel, then
//   1. an open-loop run at a fixed rate (default 1,000 requests/s for 10 s): each request is scheduled on
//      a clock and its latency counted from its scheduled time, so a stall is not hidden by the client
//      waiting (no coordinated omission);
//   2. a closed-loop run with N concurrent clients to find the maximum sustained requests/s.
// Every request is a distinct group (its own groupKey), so each one is a real durable commit.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

var root = FindRoot();
var rate = Arg("--rate", 1000);
var seconds = Arg("--seconds", 10);
var clients = Arg("--clients", 32);
var host = Path.Combine(root, "src", "Host", "bin", "Release", "net10.0", "promoter.dll");
if (!File.Exists(host))
{
    Console.Error.WriteLine($"Build the host first: dotnet build {Path.Combine(root, "Promoter.sln")} -c Release");
    return 1;
}

var data = Directory.CreateTempSubdirectory("promoter-bench-ingest").FullName;
var config = Path.Combine(data, "config.yaml");
File.WriteAllText(config, """
    channels:
      sink: { type: log, path: sink.jsonl }
    receivers:
      - name: bench
        channels: [sink]
    """);
var port = FreePort();
var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var a in new[] { host, "serve", "--config", config, "--listen", $"127.0.0.1:{port}", "--data", data })
{
    psi.ArgumentList.Add(a);
}

psi.Environment["Logging__LogLevel__Default"] = "Warning";
using var promoter = Process.Start(psi)!;
promoter.OutputDataReceived += (_, _) => { };
promoter.ErrorDataReceived += (_, _) => { };
promoter.BeginOutputReadLine();
promoter.BeginErrorReadLine();
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
    Timeout = TimeSpan.FromSeconds(30),
};
await WaitReady(http);
var template = File.ReadAllText(Path.Combine(root, "tests", "testdata", "alertmanager-0.25", "firing-single.json"));
var sequence = 0;
string Body() => template.Replace("{}:{alertname=\\\"HighScrapeDuration\\\"}", $"bench-{Interlocked.Increment(ref sequence)}", StringComparison.Ordinal);

// Warm-up (JIT, connection pool, SQLite page cache).
await ClosedLoop(http, Body, 16, TimeSpan.FromSeconds(3));

var open = await OpenLoop(http, Body, rate, TimeSpan.FromSeconds(seconds));
Report($"open loop at {rate}/s for {seconds}s", open.Latencies, open.Errors, open.Elapsed);
var closed = await ClosedLoop(http, Body, clients, TimeSpan.FromSeconds(seconds));
Report($"closed loop, {clients} clients, {seconds}s", closed.Latencies, closed.Errors, closed.Elapsed);
var rss = File.ReadAllLines($"/proc/{promoter.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))?.Split(':')[1].Trim();
Console.WriteLine($"Promoter peak RSS (VmHWM): {rss}");
promoter.Kill(entireProcessTree: true);
return 0;

static async Task<(List<double> Latencies, int Errors, TimeSpan Elapsed)> OpenLoop(HttpClient http, Func<string> body, int rate, TimeSpan duration)
{
    // The client sleeps between ticks and fires every request whose time has come (no busy-waiting: on a
    // 2-core machine a spinning client would steal a core from the server it measures). Latency still counts
    // from each request's scheduled time.
    var total = (int)(rate * duration.TotalSeconds);
    var latencies = new double[total];
    var errors = 0;
    var tasks = new List<Task>(total);
    var start = Stopwatch.GetTimestamp();
    var next = 0;
    while (next < total)
    {
        var now = Stopwatch.GetTimestamp();
        while (next < total && start + (long)(next * (double)Stopwatch.Frequency / rate) <= now)
        {
            var scheduled = start + (long)(next * (double)Stopwatch.Frequency / rate);
            tasks.Add(Send(next, scheduled));
            next++;
        }

        await Task.Delay(1);
    }

    await Task.WhenAll(tasks);
    return (latencies.ToList(), errors, Stopwatch.GetElapsedTime(start));

    async Task Send(int index, long scheduled)
    {
        using var response = await http.PostAsync("webhook/bench", new StringContent(body(), Encoding.UTF8, "application/json"));
        latencies[index] = Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Interlocked.Increment(ref errors);
        }
    }
}

static async Task<(List<double> Latencies, int Errors, TimeSpan Elapsed)> ClosedLoop(HttpClient http, Func<string> body, int clients, TimeSpan duration)
{
    var latencies = new List<double>();
    var errors = 0;
    var start = Stopwatch.GetTimestamp();
    var until = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
    {
        var mine = new List<double>();
        while (Stopwatch.GetTimestamp() < until)
        {
            var t = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("webhook/bench", new StringContent(body(), Encoding.UTF8, "application/json"));
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref errors);
            }
        }

        lock (latencies)
        {
            latencies.AddRange(mine);
        }
    })));
    return (latencies, errors, Stopwatch.GetElapsedTime(start));
}

static void Report(string name, List<double> latencies, int errors, TimeSpan elapsed)
{
    latencies.Sort();
    double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: {latencies.Count} requests, {latencies.Count / elapsed.TotalSeconds:F0} req/s, errors {errors}; latency ms p50 {P(0.50):F2}, p90 {P(0.90):F2}, p99 {P(0.99):F2}, max {latencies[^1]:F2}"));
}

static async Task WaitReady(HttpClient http)
{
    for (var i = 0; i < 300; i++)
    {
        try
        {
            using var r = await http.GetAsync("-/ready");
            if (r.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("Promoter did not become ready");
}

static int FreePort()
{
    using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Promoter.sln")))
        {
            return d.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the repository");
}
