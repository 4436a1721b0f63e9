using System.Globalization;
using Microsoft.Data.Sqlite;
using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>The promise behind the webhook's 200: what EnqueueAsync/Mark… returned survives a SIGKILL.</summary>
public sealed class CrashTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Sigkill_WhileQueueing_EveryAcknowledgedWriteKeptAndNoPartialGroup()
    {
        var folder = TestPaths.NewTempDirectory("promoter-state-crash");
        var path = Path.Combine(folder, "state.db");
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
            ? Environment.ProcessPath!
            : RequiredTool.Find("dotnet", "the .NET 10 SDK (https://dot.net)");
        await using (var child = ChildProcess.Start(dotnet,
            ["exec", typeof(CrashHelper).Assembly.Location, CrashHelper.Verb, path]))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Count(child.Output, "queued ") < 60 && DateTime.UtcNow < deadline && !child.HasExited)
            {
                await Task.Delay(20);
            }

            Assert.False(child.HasExited, "the helper stopped by itself:\n" + child.Output);
            await child.KillAsync();
            var output = child.Output;
            Assert.True(Count(output, "queued ") >= 60, "the helper queued too little before the deadline:\n" + output);

            var queuedIds = Lines(output, "queued ").Select(l => long.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).ToList();
            var succeededIds = Lines(output, "succeeded ").Select(l => long.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).ToHashSet();

            await using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                c.Open();
                // Every acknowledged group is there, and every group has all its rows: the intake is atomic.
                var groups = Query(c, """
                    SELECT g.id, (SELECT COUNT(*) FROM deliveries d WHERE d.group_id = g.id),
                                 (SELECT COUNT(*) FROM alert_history h WHERE h.group_id = g.id)
                    FROM alert_groups g
                    """);
                Assert.Superset(queuedIds.ToHashSet(), groups.Select(r => r[0]).ToHashSet());
                Assert.All(groups, r => Assert.Equal((2L, 1L), (r[1], r[2])));
                var succeeded = Query(c, "SELECT id FROM deliveries WHERE state = 'succeeded'").Select(r => r[0]).ToHashSet();
                Assert.Superset(succeededIds, succeeded);
            }

            // The restarted process recovers the lease the killed one may have held and finishes the rest.
            var store = Sqlite.SqliteStateStore.Open(path, TimeProvider.System, null);
            await using (store)
            {
                await store.InitializeAsync(None);
                await store.RecoverAsync(None);
                var remaining = (await store.GetQueueStatsAsync(TempStore.T0.AddHours(1), None)).Pending;
                var claimed = new List<ClaimedDelivery>();
                for (var round = 0; round < 10_000 && claimed.Count < remaining; round++)
                {
                    var batch = await store.ClaimDueAsync(100, TempStore.T0.AddHours(1), TimeSpan.FromMinutes(5), "w", None);
                    foreach (var d in batch)
                    {
                        Assert.DoesNotContain(d.DeliveryId, succeededIds);
                        await store.MarkSucceededAsync(d.DeliveryId, 1, null, TempStore.T0.AddHours(1), None);
                    }

                    claimed.AddRange(batch);
                }

                Assert.Equal(remaining, claimed.Count);
            }
        }
    }

    private static int Count(string output, string prefix) => Lines(output, prefix).Count();

    private static IEnumerable<string> Lines(string output, string prefix) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static List<long[]> Query(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<long[]>();
        while (r.Read())
        {
            var row = new long[r.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = r.GetInt64(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
