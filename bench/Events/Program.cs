// The events API and its Server-Sent Events stream over a large history. Builds a state database with N alert
// state changes (default 1,000,000: 2,000 alerts of 50 alert names to 5 receivers, alternately firing and
// resolved, 10 alerts per group), starts Promoter (the built host, Release) on it, and measures:
//   1. the first page of /api/v1/events (500 events), unfiltered and filtered, and a page near the end;
//   2. the complete CSV and NDJSON exports (every row, streamed);
//   3. the stream's delivery latency: from sending a webhook to the event arriving on an open stream.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Data.Sqlite;
using Promoter.State.Sqlite;

var root = FindRoot();
var events = Arg("--events", 1_000_000);
var samples = Arg("--samples", 200);
// --data DIR keeps the seeded database there and reuses it on the next run (seeding a million rows takes minutes).
var keep = ArgText("--data");
var exports = (ArgText("--exports") ?? "csv,ndjson").Split(',', StringSplitOptions.RemoveEmptyEntries);
var data = keep ?? Directory.CreateTempSubdirectory("promoter-bench-events").FullName;
Directory.CreateDirectory(data);
var db = Path.Combine(data, "state.db");
if (!File.Exists(db))
{
    var seed = Stopwatch.StartNew();
    await using (var store = SqliteStateStore.Open(db, TimeProvider.System, null))
    {
        await store.InitializeAsync(CancellationToken.None);
    }

    Seed(db, events);
    Console.WriteLine($"seeded {events:N0} state changes in {seed.Elapsed.TotalSeconds:F1} s ({new FileInfo(db).Length / 1048576.0:F0} MiB)");
}
else
{
    Console.WriteLine($"reusing {db} ({new FileInfo(db).Length / 1048576.0:F0} MiB)");
}

// --seed-only: build (or keep) the database and stop, so that seeding can run while the host is being built.
if (args.Contains("--seed-only"))
{
    return 0;
}

var host = Path.Combine(root, "src", "Host", "bin", "Release", "net10.0", "promoter.dll");
if (!File.Exists(host))
{
    Console.Error.WriteLine($"Build the host first: dotnet build {Path.Combine(root, "src", "Host")} -c Release");
    return 1;
}

var config = Path.Combine(data, "config.yaml");
File.WriteAllText(config, """
    channels:
      sink: { type: log, path: sink.jsonl }
    receivers:
      - name: r0
        channels: [sink]
      - name: r1
        channels: [sink]
      - name: r2
        channels: [sink]
      - name: r3
        channels: [sink]
      - name: r4
        channels: [sink]
    """);
var port = FreePort();
var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var a in new[] { host, "serve", "--config", config, "--listen", $"127.0.0.1:{port}", "--data", data })
{
    psi.ArgumentList.Add(a);
}

using var promoter = Process.Start(psi)!;
promoter.OutputDataReceived += (_, _) => { };
promoter.ErrorDataReceived += (_, _) => { };
promoter.BeginOutputReadLine();
promoter.BeginErrorReadLine();
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(10) };
await WaitReady(http);
try
{
    // 1. First pages.
    foreach (var (label, path) in new[]
    {
        ("first page, no filter", "api/v1/events?limit=500"),
        ("first page, receiver=r3", "api/v1/events?limit=500&receiver=r3"),
        ("first page, alertname=Alert7", "api/v1/events?limit=500&alertname=Alert7"),
        ("first page, status=resolved", "api/v1/events?limit=500&status=resolved"),
        ($"page after id {events - 1000:N0}", $"api/v1/events?limit=500&after={events - 1000}"),
    })
    {
        var times = new List<double>();
        for (var i = 0; i < 33; i++)
        {
            var sw = Stopwatch.StartNew();
            var body = await http.GetStringAsync(path);
            if (i >= 3)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
            }

            if (!body.Contains("\"events\":[{", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{path}: no events in {body[..Math.Min(200, body.Length)]}");
            }
        }

        times.Sort();
        Console.WriteLine($"{label,-32} p50 {P(times, 0.5):F1} ms  p90 {P(times, 0.9):F1} ms");
    }

    // 2. Complete exports.
    foreach (var format in exports)
    {
        var sw = Stopwatch.StartNew();
        using var response = await http.GetAsync($"api/v1/events?format={format}", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 16];
        long bytes = 0, lines = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        var rows = format == "csv" ? lines - 1 : lines;
        if (rows < events)
        {
            throw new InvalidOperationException($"{format} export has {rows:N0} rows, expected {events:N0}");
        }

        Console.WriteLine($"full {format} export: {rows:N0} rows, {bytes / 1048576.0:F0} MiB in {sw.Elapsed.TotalSeconds:F1} s = {rows / sw.Elapsed.TotalSeconds:N0} rows/s, {bytes / 1048576.0 / sw.Elapsed.TotalSeconds:F1} MiB/s");
    }

    // 3. Stream latency: one webhook at a time, each a new group, timed until its event arrives on the stream.
    var template = File.ReadAllText(Path.Combine(root, "tests", "testdata", "alertmanager-0.25", "firing-single.json"));
    using var streamRequest = new HttpRequestMessage(HttpMethod.Get, "api/v1/events/stream?receiver=r1");
    using var streamResponse = await http.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead);
    using var reader = new StreamReader(await streamResponse.Content.ReadAsStreamAsync());
    var latencies = new List<double>();
    for (var i = 0; i < samples + 10; i++)
    {
        var marker = $"bench{i:D11}";
        var body = template.Replace("6b1410b0fcb84541", marker, StringComparison.Ordinal)
            .Replace("{}:{alertname=\\\"HighScrapeDuration\\\"}", $"bench-{i}", StringComparison.Ordinal);
        var sw = Stopwatch.StartNew();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var posted = await http.PostAsync("webhook/r1", content);
        posted.EnsureSuccessStatusCode();
        while (true)
        {
            var line = await reader.ReadLineAsync() ?? throw new EndOfStreamException("the stream ended");
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains(marker, StringComparison.Ordinal))
            {
                break;
            }
        }

        if (i >= 10)
        {
            latencies.Add(sw.Elapsed.TotalMilliseconds);
        }

        await Task.Delay(20);
    }

    latencies.Sort();
    Console.WriteLine($"stream delivery, webhook sent → event read ({samples} samples): p50 {P(latencies, 0.5):F1} ms  p90 {P(latencies, 0.9):F1} ms  p99 {P(latencies, 0.99):F1} ms");

    // 3b. The same to a browser: Chromium holds an EventSource (what the web page does) and the page records when
    // each event arrives (performance.timeOrigin + performance.now(), the same wall clock as this process).
    var browserLatencies = await BrowserLatencyAsync(port, template, samples);
    browserLatencies.Sort();
    Console.WriteLine($"stream delivery, webhook sent → Chromium EventSource event ({samples} samples): p50 {P(browserLatencies, 0.5):F1} ms  p90 {P(browserLatencies, 0.9):F1} ms  p99 {P(browserLatencies, 0.99):F1} ms");
    var rss = File.ReadAllLines($"/proc/{promoter.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))?.Split(':')[1].Trim();
    Console.WriteLine($"Promoter peak RSS (VmHWM): {rss}");
}
finally
{
    promoter.Kill(entireProcessTree: true);
    await promoter.WaitForExitAsync();
    if (keep is null)
    {
        Directory.Delete(data, recursive: true);
    }
}

return 0;

static void Seed(string db, int events)
{
    const int alertsPerGroup = 10;
    const int fingerprints = 2000;
    using var c = new SqliteConnection($"Data Source={db}");
    c.Open();
    using (var pragma = c.CreateCommand())
    {
        pragma.CommandText = "PRAGMA synchronous = OFF;";
        pragma.ExecuteNonQuery();
    }

    using var tx = c.BeginTransaction();
    using var group = c.CreateCommand();
    group.Transaction = tx;
    group.CommandText = """
        INSERT INTO alert_groups (dedupe_key, receiver, group_key, status, alert_count, received_at, payload, group_json)
        VALUES ($k, $r, $gk, $s, $n, $at, '{}', '{}') RETURNING id
        """;
    var gk = group.Parameters.Add("$k", SqliteType.Text);
    var gr = group.Parameters.Add("$r", SqliteType.Text);
    var ggk = group.Parameters.Add("$gk", SqliteType.Text);
    var gs = group.Parameters.Add("$s", SqliteType.Text);
    var gn = group.Parameters.Add("$n", SqliteType.Integer);
    var gat = group.Parameters.Add("$at", SqliteType.Integer);
    using var history = c.CreateCommand();
    history.Transaction = tx;
    history.CommandText = """
        INSERT INTO alert_history (group_id, fingerprint, receiver, alert_name, status, labels_json, annotations_json, starts_at, ends_at, generator_url, received_at)
        VALUES ($g, $f, $r, $a, $s, $l, $an, $st, $en, 'http://prometheus:9090/graph?g0.expr=up+%3D%3D+0', $at)
        """;
    var hg = history.Parameters.Add("$g", SqliteType.Integer);
    var hf = history.Parameters.Add("$f", SqliteType.Text);
    var hr = history.Parameters.Add("$r", SqliteType.Text);
    var ha = history.Parameters.Add("$a", SqliteType.Text);
    var hs = history.Parameters.Add("$s", SqliteType.Text);
    var hl = history.Parameters.Add("$l", SqliteType.Text);
    var han = history.Parameters.Add("$an", SqliteType.Text);
    var hst = history.Parameters.Add("$st", SqliteType.Text);
    var hen = history.Parameters.Add("$en", SqliteType.Text);
    var hat = history.Parameters.Add("$at", SqliteType.Integer);
    // A month of history: the rows spread evenly over the 29 days before now (inside the default 30-day retention,
    // which Promoter applies at start: rows older than that would be pruned before they are measured).
    var now = DateTimeOffset.UtcNow;
    var start = now.AddDays(-29);
    var stepMs = 29.0 * 86_400_000 / events;
    for (var i = 0; i < events; i += alertsPerGroup)
    {
        var at = start.AddMilliseconds(i * stepMs);
        var receiver = $"r{i / alertsPerGroup % 5}";
        var status = i / alertsPerGroup / 5 % 2 == 0 ? "firing" : "resolved";
        gk.Value = $"seed-{i}";
        gr.Value = receiver;
        ggk.Value = $"{{}}:{{seed=\"{i}\"}}";
        gs.Value = status;
        gn.Value = alertsPerGroup;
        gat.Value = at.ToUnixTimeMilliseconds();
        var groupId = (long)group.ExecuteScalar()!;
        for (var j = 0; j < alertsPerGroup && i + j < events; j++)
        {
            var n = (i + j) % fingerprints;
            var name = $"Alert{n % 50}";
            var startsAt = at.AddMinutes(-5);
            hg.Value = groupId;
            hf.Value = n.ToString("x16", CultureInfo.InvariantCulture);
            hr.Value = receiver;
            ha.Value = name;
            hs.Value = status;
            hl.Value = $"{{\"alertname\":\"{name}\",\"instance\":\"node-{n}.example:9100\",\"job\":\"node\",\"severity\":\"{(n % 3 == 0 ? "critical" : "warning")}\",\"team\":\"team-{n % 7}\"}}";
            han.Value = $"{{\"summary\":\"{name} on node-{n} is above its threshold\",\"runbook_url\":\"https://runbooks.example/{name}\"}}";
            hst.Value = startsAt.ToString("o", CultureInfo.InvariantCulture);
            hen.Value = status == "resolved" ? at.ToString("o", CultureInfo.InvariantCulture) : DBNull.Value;
            hat.Value = at.ToUnixTimeMilliseconds();
            history.ExecuteNonQuery();
        }
    }

    tx.Commit();
}

static async Task<List<double>> BrowserLatencyAsync(int port, string template, int samples)
{
    var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not installed: apt-get install chromium");
    using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new Microsoft.Playwright.BrowserTypeLaunchOptions
    {
        ExecutablePath = chromium,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    var page = await browser.NewPageAsync();
    // Any document of Promoter's origin will do: the stream is same-origin, as for the web page.
    await page.GotoAsync($"http://127.0.0.1:{port}/ui/app.css");
    await page.EvaluateAsync("""
        url => {
          window.__arrivals = {};
          window.__open = false;
          const es = new EventSource(url);
          es.onopen = () => { window.__open = true; };
          es.addEventListener('alert', (e) => {
            const at = performance.timeOrigin + performance.now();
            window.__arrivals[JSON.parse(e.data).fingerprint] = at;
          });
        }
        """, "/api/v1/events/stream?receiver=r2");
    await page.WaitForFunctionAsync("() => window.__open === true");
    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    var latencies = new List<double>();
    for (var i = 0; i < samples + 10; i++)
    {
        var marker = $"chrom{i:D11}";
        var body = template.Replace("6b1410b0fcb84541", marker, StringComparison.Ordinal)
            .Replace("{}:{alertname=\\\"HighScrapeDuration\\\"}", $"browser-{i}", StringComparison.Ordinal);
        var sent = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var posted = await http.PostAsync("webhook/r2", content);
        posted.EnsureSuccessStatusCode();
        var arrived = await page.WaitForFunctionAsync("m => window.__arrivals[m]", marker,
            new Microsoft.Playwright.PageWaitForFunctionOptions { PollingInterval = 5, Timeout = 30_000 });
        if (i >= 10)
        {
            latencies.Add(await arrived.JsonValueAsync<double>() - sent);
        }

        await Task.Delay(20);
    }

    return latencies;
}

static double P(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(q * sorted.Count))];

static async Task WaitReady(HttpClient http)
{
    var until = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < until)
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

        await Task.Delay(200);
    }

    throw new TimeoutException("Promoter did not become ready within 60 s");
}

static int FreePort()
{
    using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    l.Start();
    return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
}

string? ArgText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Promoter.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Promoter.sln not found");
}
