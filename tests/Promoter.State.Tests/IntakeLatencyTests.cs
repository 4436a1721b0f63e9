using System.Diagnostics;
using Promoter.State.Sqlite;
using Promoter.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Promoter.State.Tests;

/// <summary>
/// Measures EnqueueAsync with synchronous=FULL and NORMAL and prints the figures (see src/State/README.md).
/// Nothing is asserted about time — a shared CI machine is no stopwatch — only that every measured group
/// was really queued.
/// </summary>
public sealed class IntakeLatencyTests(ITestOutputHelper output)
{
    private const int Warmup = 20;
    private const int Measured = 300;

    [Theory]
    [InlineData(SqliteDurability.Full)]
    [InlineData(SqliteDurability.Normal)]
    public async Task Enqueue_TypicalPayload_AllQueuedAndLatencyReported(SqliteDurability durability)
    {
        var payload = await File.ReadAllTextAsync(TestPaths.TestData("alertmanager-0.25", "firing-single.json"));
        var template = Groups.FromPayload(payload);
        await using var t = await TempStore.CreateAsync(new SqliteStateStoreOptions { Durability = durability });
        var samples = new double[Measured];

        for (var i = 0; i < Warmup + Measured; i++)
        {
            // A distinct group each time (another fingerprint), as in real traffic: no dedupe short-cut.
            var group = template with { Alerts = [template.Alerts[0] with { Fingerprint = "fp" + i }] };
            var request = new NewGroup(group, payload, ["dingtalk", "slack"], TempStore.T0.AddSeconds(i),
                DedupeKey.Compute(group), TimeSpan.FromMinutes(5));
            var started = Stopwatch.GetTimestamp();
            var result = await t.Store.EnqueueAsync(request, CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.False(result.Duplicate);
            if (i >= Warmup)
            {
                samples[i - Warmup] = elapsed;
            }
        }

        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0, CancellationToken.None);
        Assert.Equal(2 * (Warmup + Measured), stats.Pending);

        Array.Sort(samples);
        output.WriteLine(
            $"EnqueueAsync synchronous={durability}: n={Measured} p50={Percentile(samples, 0.50):F3} ms " +
            $"p90={Percentile(samples, 0.90):F3} ms p99={Percentile(samples, 0.99):F3} ms max={samples[^1]:F3} ms");
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
