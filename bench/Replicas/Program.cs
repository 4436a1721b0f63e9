// Replicas benchmark: end-to-end groups per second and latency (webhook accepted → notification at the sink) for
// one Promoter process on SQLite and for 1, 2 and 3 replicas on one PostgreSQL (fsync on), in one run, on the same
// published build. Every group is posted by an Alertmanager HA pair stand-in: the same group to two replicas at once
// (to the one process twice with SQLite), so dedupe is part of the path. No charts: this measures the state store and
// the dispatch, not the renderer.
//
//   dotnet run -c Release --project bench/Replicas -- [--groups 600] [--concurrency 16]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

var groups = Arg("--groups", 600);
var concurrency = Arg("--concurrency", 16);

Console.WriteLine("publishing src/Host (Release)…");
var published = TestPaths.NewTempDirectory("promoter-replicas-published");
await using (var publish = ChildProcess.Start("dotnet",
    ["publish", Path.Combine(TestPaths.RepositoryRoot, "src", "Host", "Promoter.Host.csproj"), "-c", "Release", "-o", published, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"],
    TestPaths.RepositoryRoot))
{
    if (await publish.WaitForExitAsync(TimeSpan.FromMinutes(15)) != 0)
    {
        Console.Error.WriteLine(publish.Output);
        return 1;
    }
}

var pg = new PostgresServer { Durable = true };
await pg.InitializeAsync();
try
{
    var secrets = TestPaths.NewTempDirectory("promoter-replicas-secrets");
    var passwordFile = Path.Combine(secrets, "pgpassword");
    await File.WriteAllTextAsync(passwordFile, pg.Password);
    var payload = await File.ReadAllTextAsync(TestPaths.TestData("alertmanager-0.25", "firing-single.json"));

    var rows = new List<string>();
    rows.Add(await RunAsync("SQLite", 1, null));
    foreach (var n in new[] { 1, 2, 3 })
    {
        rows.Add(await RunAsync("PostgreSQL", n, await pg.CreateDatabaseAsync("bench")));
    }

    Console.WriteLine();
    Console.WriteLine("| state | replicas | groups/s (end to end) | p50 | p99 | max | 503s retried | groups sent twice |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    foreach (var row in rows)
    {
        Console.WriteLine(row);
    }

    Console.WriteLine($"({groups} groups, each posted to two replicas at once; {concurrency} posters; webhook channel to a local sink; {Environment.ProcessorCount} cores)");
    return 0;

    async Task<string> RunAsync(string state, int replicas, string? database)
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        var config = $"""
            channels:
              hook: {"{"} type: webhook, url: "{sink.Url}hook" {"}"}
            receivers:
              - name: ops
                channels: [hook]
            delivery: {"{"} workers: 16 {"}"}
            """ + (database is null ? "" : $"""

            state:
              postgres: "{pg.ConnectionString(database)}"
              password_file: {passwordFile}
            """);
        var processes = await Task.WhenAll(Enumerable.Range(0, replicas).Select(_ => PromoterProcess.StartAsync(config, hostDirectory: published)));
        try
        {
            var posted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var retried = 0;
            var clock = Stopwatch.StartNew();
            var start = DateTimeOffset.UtcNow;
            await Parallel.ForEachAsync(Enumerable.Range(0, groups), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
            {
                var key = $"bench-{i:00000}";
                var body = payload.Replace("{}:{alertname=\\\"HighScrapeDuration\\\"}", key, StringComparison.Ordinal)
                    .Replace("6b1410b0fcb84541", i.ToString("x16", CultureInfo.InvariantCulture), StringComparison.Ordinal);
                posted[key] = clock.ElapsedTicks;
                await Task.WhenAll(new[] { processes[i % replicas], processes[(i + 1) % replicas] }.Select(async p =>
                {
                    while (true)
                    {
                        using var r = await p.PostWebhookAsync("ops", body);
                        if (r.StatusCode == HttpStatusCode.OK)
                        {
                            return;
                        }

                        Interlocked.Increment(ref retried);
                        await Task.Delay(100, ct);
                    }
                }));
            });

            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
            while (sink.Requests.Select(GroupKeyOf).Distinct().Count() < groups && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var requests = sink.Requests;
            var first = requests.GroupBy(GroupKeyOf).ToDictionary(g => g.Key, g => g.Min(r => r.At));
            var twice = requests.GroupBy(GroupKeyOf).Count(g => g.Count() > 1);
            var latencies = first.Select(f => (f.Value - start).TotalMilliseconds - posted[f.Key] * 1000.0 / Stopwatch.Frequency)
                .Order().ToList();
            var elapsed = (first.Values.Max() - start).TotalSeconds;
            return $"| {state} | {replicas} | {first.Count / elapsed:0} ({first.Count}/{groups} in {elapsed:0.0} s) | {Percentile(latencies, 0.5):0} ms | {Percentile(latencies, 0.99):0} ms | {latencies[^1]:0} ms | {retried} | {twice} |";
        }
        finally
        {
            foreach (var p in processes)
            {
                await p.DisposeAsync();
            }
        }
    }
}
finally
{
    await pg.DisposeAsync();
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static string GroupKeyOf(SinkRequest r)
{
    using var doc = JsonDocument.Parse(r.Body);
    return doc.RootElement.GetProperty("groupKey").GetString()!;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
