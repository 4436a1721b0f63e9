using System.Diagnostics;
using Promoter.State.Sqlite;
using Promoter.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Promoter.State.Tests;

/// <summary>
/// Measures EnqueueAsync with synchronous=FULL and NORMAL, one caller and eight at once, and prints the figures
/// (recorded in src/State/README.md). Nothing is asserted about time — a shared CI machine is no stopwatch —
/// only that every measured group was really queued.
/// Run: dotnet test tests/Promoter.State.Tests --filter IntakeLatency --logger "console;verbosity=detailed"
/// </summary>
public sealed class IntakeLatencyTests(ITestOutputHelper output)
{
    private const int Warmup = 24;
    private const int Measured = 400;

    [Theory]
    [InlineData(SqliteDurability.Full, 1)]
    [InlineData(SqliteDurability.Normal, 1)]
    [InlineData(SqliteDurability.Full, 8)]
    [InlineData(SqliteDurability.Normal, 8)]
    public async Task Enqueue_TypicalPayload_AllQueuedAndLatencyReported(SqliteDurability durability, int callers)
    {
        var payload = await File.ReadAllTextAsync(TestPaths.TestData("alertmanager-0.25", "firing-single.json"));
        var template = Groups.FromPayload(payload);
        await using var t = await TempStore.CreateAsync(new SqliteStateStoreOptions { Durability = durability });

        async Task<double> EnqueueOne(int i)
        {
            // A distinct group each time (another fingerprint), as in real traffic: no dedupe short-cut.
            var group = template with { Alerts = [template.Alerts[0] with { Fingerprint = "fp" + i }] };
            var request = new NewGroup(group, payload, ["dingtalk", "slack"], TempStore.T0.AddSeconds(i),
                DedupeKey.Compute(group), TimeSpan.FromMinutes(5));
            var started = Stopwatch.GetTimestamp();
            var result = await t.Store.EnqueueAsync(request, CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.False(result.Duplicate);
            return elapsed;
        }

        for (var i = 0; i < Warmup; i++)
        {
            await EnqueueOne(-1 - i);
        }

        var wall = Stopwatch.StartNew();
        var perCaller = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = new List<double>();
            for (var i = c; i < Measured; i += callers)
            {
                mine.Add(await EnqueueOne(i));
            }

            return mine;
        })));
        wall.Stop();

        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0, CancellationToken.None);
        Assert.Equal(2 * (Warmup + Measured), stats.Pending);

        var samples = perCaller.SelectMany(s => s).Order().ToArray();
        output.WriteLine(
            $"EnqueueAsync synchronous={durability} callers={callers}: n={samples.Length} " +
            $"p50={Percentile(samples, 0.50):F3} ms p90={Percentile(samples, 0.90):F3} ms " +
            $"p99={Percentile(samples, 0.99):F3} ms max={samples[^1]:F3} ms " +
            $"throughput={samples.Length / wall.Elapsed.TotalSeconds:F0}/s (load average {LoadAverage()})");
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
