using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>The history contract: run against SQLite and PostgreSQL (see the subclasses at the end).</summary>
public abstract class HistoryTests
{
    /// <summary>A fresh, initialised store of the engine under test.</summary>
    protected abstract Task<TempStore> CreateStoreAsync(bool fast = false);

    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset Start = TempStore.T0.AddMinutes(-3).ToOffset(TimeSpan.FromHours(8));

    /// <summary>HighLoad fires (delivered to slack, dingtalk fails), repeats, resolves; DiskFull fires for team-b.</summary>
    private async Task<TempStore> ScenarioAsync()
    {
        var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("HighLoad", "fp-load", Start), TempStore.T0, "slack", "dingtalk");
        foreach (var c in await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w", None))
        {
            if (c.Channel == "slack")
            {
                await t.Store.MarkSucceededAsync(c.DeliveryId, 1, "C1/1700000000.000100", TempStore.T0.AddSeconds(1), None);
            }
            else
            {
                await t.Store.MarkFailedAsync(c.DeliveryId, 1, "Auth", "DingTalk errcode 310000: sign mismatch", TempStore.T0.AddSeconds(1), None);
            }
        }

        // A repeat after repeat_interval, then the resolve.
        await t.EnqueueAsync(Groups.Firing("HighLoad", "fp-load", Start), TempStore.T0.AddHours(4), "slack");
        await t.EnqueueAsync(Groups.Resolved("HighLoad", "fp-load", Start, Start.AddHours(4).AddMinutes(5)),
            TempStore.T0.AddHours(4).AddMinutes(6), "slack");
        await t.EnqueueAsync(Groups.Firing("DiskFull", "fp-disk", Start, receiver: "team-b"), TempStore.T0.AddHours(5), "webhook");
        return t;
    }

    [Fact]
    public async Task GetAlertHistory_FiringRepeatResolved_ChangesInOrderWithDeliveries()
    {
        await using var t = await ScenarioAsync();

        var h = await t.Store.GetAlertHistoryAsync("fp-load", None);

        Assert.NotNull(h);
        Assert.Equal("HighLoad", h.AlertName);
        Assert.Equal("critical", h.Labels["severity"]);
        Assert.Equal([("firing", false), ("firing", true), ("resolved", false)],
            h.Changes.Select(c => (c.Status, c.IsRepeat)));
        Assert.Equal([TempStore.T0, TempStore.T0.AddHours(4), TempStore.T0.AddHours(4).AddMinutes(6)],
            h.Changes.Select(c => c.ReceivedAt));
        GroupAssert.Time(Start, h.Changes[0].StartsAt);
        Assert.Null(h.Changes[0].EndsAt);
        GroupAssert.Time(Start.AddHours(4).AddMinutes(5), h.Changes[2].EndsAt!.Value);

        Assert.Equal(4, h.Deliveries.Count);
        var slack = h.Deliveries[0];
        Assert.Equal(("slack", DeliveryState.Succeeded, 1, "C1/1700000000.000100", TempStore.T0.AddSeconds(1)),
            (slack.Channel, slack.State, slack.Attempts, slack.MessageId, slack.FinishedAt));
        var ding = h.Deliveries[1];
        Assert.Equal(("dingtalk", DeliveryState.Failed, "Auth", "DingTalk errcode 310000: sign mismatch"),
            (ding.Channel, ding.State, ding.FailureReason, ding.LastError));
        Assert.All(h.Deliveries.Skip(2), d => Assert.Equal(DeliveryState.Pending, d.State));
    }

    [Fact]
    public async Task History_SameAlertTwoReceivers_OneRecordEachAndRepeatsPerReceiver()
    {
        // A route with `continue: true` sends the same alert to two receivers.
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "fp", Start, receiver: "ops"), TempStore.T0, "slack");
        await t.EnqueueAsync(Groups.Firing("A", "fp", Start, receiver: "dba"), TempStore.T0.AddSeconds(1), "mail");
        await t.EnqueueAsync(Groups.Firing("A", "fp", Start, receiver: "ops"), TempStore.T0.AddHours(4), "slack");

        var records = await t.Store.QueryAlertsAsync(new AlertQuery(), None);
        var history = await t.Store.GetAlertHistoryAsync("fp", None);

        Assert.Equal([("ops", 2), ("dba", 1)], records.Select(r => (r.Receiver, r.Notifications)));
        Assert.Equal([("ops", false), ("dba", false), ("ops", true)], history!.Changes.Select(c => (c.Receiver, c.IsRepeat)));
        Assert.Equal(["slack", "mail", "slack"], history.Deliveries.Select(d => d.Channel));
    }

    [Fact]
    public async Task GetAlertHistory_UnknownFingerprint_Null()
    {
        await using var t = await ScenarioAsync();

        Assert.Null(await t.Store.GetAlertHistoryAsync("nope", None));
    }

    [Theory]
    [InlineData(null, null, null, "fp-disk,fp-load")]
    [InlineData("firing", null, null, "fp-disk")]
    [InlineData("resolved", null, null, "fp-load")]
    [InlineData(null, "ops", null, "fp-load")]
    [InlineData(null, "team-b", null, "fp-disk")]
    [InlineData(null, null, 5 * 60, "fp-disk")]
    [InlineData("resolved", "team-b", null, "")]
    public async Task QueryAlerts_Filters_LatestStatePerAlert(string? status, string? receiver, int? sinceMinutes,
        string expected)
    {
        await using var t = await ScenarioAsync();
        var since = sinceMinutes is { } m ? TempStore.T0.AddMinutes(m) : (DateTimeOffset?)null;

        var alerts = await t.Store.QueryAlertsAsync(new AlertQuery(status, receiver, since), None);

        Assert.Equal(expected, string.Join(',', alerts.Select(a => a.Fingerprint)));
    }

    [Fact]
    public async Task QueryAlerts_ResolvedAlert_LatestRecordWithCounts()
    {
        await using var t = await ScenarioAsync();

        var load = (await t.Store.QueryAlertsAsync(new AlertQuery(), None)).Single(a => a.Fingerprint == "fp-load");

        Assert.Equal(("resolved", "ops", "HighLoad", 3), (load.Status, load.Receiver, load.AlertName, load.Notifications));
        Assert.Equal(TempStore.T0, load.FirstReceivedAt);
        Assert.Equal(TempStore.T0.AddHours(4).AddMinutes(6), load.LastReceivedAt);
        GroupAssert.Time(Start.AddHours(4).AddMinutes(5), load.EndsAt!.Value);
        Assert.Equal("HighLoad fires", load.Annotations["summary"]);
    }

    [Fact]
    public async Task QueryAlerts_Limit_NewestFirst()
    {
        await using var t = await ScenarioAsync();

        var alerts = await t.Store.QueryAlertsAsync(new AlertQuery(Limit: 1), None);

        Assert.Equal("fp-disk", Assert.Single(alerts).Fingerprint);
    }

    [Fact]
    public async Task QueryAlerts_UnknownStatus_ClearError()
    {
        await using var t = await CreateStoreAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            t.Store.QueryAlertsAsync(new AlertQuery(Status: "active"), None));

        Assert.Contains("\"firing\" or \"resolved\"", ex.Message);
    }

    [Fact]
    public async Task GetQueueStats_MixedStates_CountsAndOldestAge()
    {
        await using var t = await ScenarioAsync();
        var now = TempStore.T0.AddHours(6);
        var leased = await t.Store.ClaimDueAsync(1, now, Lease, "w", None);
        Assert.Single(leased);

        var stats = await t.Store.GetQueueStatsAsync(now, None);

        Assert.Equal(3, stats.Pending);
        Assert.Equal(1, stats.Leased);
        Assert.Equal(2, stats.Due);
        Assert.Equal((1L, 1L), (stats.Succeeded, stats.Failed));
        Assert.Equal(TempStore.T0.AddHours(4), stats.OldestPendingCreatedAt);
        Assert.Equal(TimeSpan.FromHours(2), stats.OldestPendingAge);
        Assert.Equal(new Dictionary<string, int> { ["slack"] = 2, ["webhook"] = 1 }, stats.PendingByChannel);
    }

    [Fact]
    public async Task GetQueueStats_Empty_ZeroAge()
    {
        await using var t = await CreateStoreAsync();

        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0, None);

        Assert.Equal((0, 0, 0, 0L, 0L, (DateTimeOffset?)null, TimeSpan.Zero),
            (stats.Pending, stats.Due, stats.Leased, stats.Succeeded, stats.Failed, stats.OldestPendingCreatedAt,
             stats.OldestPendingAge));
    }

    [Fact]
    public async Task Prune_OldFinishedAndOldUnfinished_OnlyFinishedDeleted()
    {
        await using var t = await ScenarioAsync();
        // Group 1 (T0) is finished; groups 2–4 (T0+4h…5h) still have pending deliveries.

        var deleted = await t.Store.PruneAsync(TempStore.T0.AddDays(30), None);

        Assert.Equal(1, deleted);
        var h = await t.Store.GetAlertHistoryAsync("fp-load", None);
        Assert.Equal(2, h!.Changes.Count);
        Assert.Equal(2, h.Deliveries.Count);
        Assert.All(h.Deliveries, d => Assert.Equal(DeliveryState.Pending, d.State));
        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0.AddDays(30), None);
        Assert.Equal((3, 0L, 0L), (stats.Pending, stats.Succeeded, stats.Failed));
        Assert.Null(await t.Store.GetLastMessageIdAsync("slack", Groups.Firing("HighLoad", "fp-load", Start).GroupKey, None));
    }

    [Fact]
    public async Task Prune_CutoffBeforeEverything_NothingDeleted()
    {
        await using var t = await ScenarioAsync();

        Assert.Equal(0, await t.Store.PruneAsync(TempStore.T0, None));
        Assert.Equal(3, (await t.Store.GetAlertHistoryAsync("fp-load", None))!.Changes.Count);
    }

    [Fact]
    public async Task Prune_MoreThanOneBatch_AllFinishedDeleted()
    {
        // NORMAL: 2400 fsyncs would only slow the test down; durability is not what it checks.
        await using var t = await CreateStoreAsync(fast: true);
        for (var i = 0; i < 1200; i++)
        {
            await t.EnqueueAsync(Groups.Firing("A" + i, "f" + i, Start), TempStore.T0, "C" + i);
        }

        foreach (var c in await t.Store.ClaimDueAsync(1200, TempStore.T0, Lease, "w", None))
        {
            if (c.Channel != "C7")
            {
                await t.Store.MarkSucceededAsync(c.DeliveryId, 1, null, TempStore.T0, None);
            }
        }

        Assert.Equal(1199, await t.Store.PruneAsync(TempStore.T0.AddDays(1), None));
        Assert.NotNull(await t.Store.GetAlertHistoryAsync("f7", None));
    }
}

public sealed class SqliteHistoryTests : HistoryTests
{
    // fast: synchronous=NORMAL, for tests that write thousands of rows and do not check durability.
    protected override Task<TempStore> CreateStoreAsync(bool fast = false) => TempStore.CreateAsync(fast
        ? new Sqlite.SqliteStateStoreOptions { Durability = Sqlite.SqliteDurability.Normal }
        : null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresHistoryTests(PostgresServer server) : HistoryTests
{
    protected override Task<TempStore> CreateStoreAsync(bool fast = false) => TempStore.CreatePostgresAsync(server);
}
