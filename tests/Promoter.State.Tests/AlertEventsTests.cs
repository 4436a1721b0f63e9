using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>IAlertEvents on SQLite and PostgreSQL: events by cursor, the quality report's arithmetic, re-queueing a failed delivery.</summary>
/// <summary>The alertevents contract: run against SQLite and PostgreSQL (see the subclasses at the end).</summary>
public abstract class AlertEventsTests
{
    /// <summary>A fresh, initialised store of the engine under test.</summary>
    protected abstract Task<TempStore> CreateStoreAsync();

    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = TempStore.T0;

    [Fact]
    public async Task ReadEvents_FiltersAndCursor_EveryMatchOnceWithRepeatsMarked()
    {
        await using var t = await CreateStoreAsync();
        var start = T0.AddMinutes(-10);
        await t.EnqueueAsync(Groups.Firing("A", "fp-a", start), T0, "c");
        await t.EnqueueAsync(Groups.Firing("B", "fp-b", start, receiver: "other"), T0.AddMinutes(1), "c");
        await t.EnqueueAsync(Groups.Firing("A", "fp-a", start), T0.AddHours(4), "c");
        await t.EnqueueAsync(Groups.Resolved("A", "fp-a", start, T0.AddHours(5)), T0.AddHours(5), "c");

        var first = await t.Store.ReadEventsAsync(new AlertEventQuery(AlertName: "A", Limit: 2), None);
        var second = await t.Store.ReadEventsAsync(new AlertEventQuery(After: first.Next!.Value, AlertName: "A", Limit: 2), None);
        var resolved = await t.Store.ReadEventsAsync(new AlertEventQuery(Status: "resolved"), None);
        var other = await t.Store.ReadEventsAsync(new AlertEventQuery(Receiver: "other", Since: T0.AddSeconds(30), Until: T0.AddMinutes(2)), None);

        Assert.Equal([("firing", false), ("firing", true)], first.Events.Select(e => (e.Status, e.Repeat)));
        Assert.Equal([("resolved", false)], second.Events.Select(e => (e.Status, e.Repeat)));
        Assert.Null(second.Next);
        Assert.Equal(T0.AddHours(5), Assert.Single(resolved.Events).EndsAt);
        Assert.Equal("fp-b", Assert.Single(other.Events).Fingerprint);
        Assert.Equal(4, await t.Store.GetLatestEventIdAsync(None));
    }

    [Fact]
    public async Task QualityReport_FlappingAlertWithFailedDelivery_CountsFiringsMedianFlapsAndFailedShare()
    {
        await using var t = await CreateStoreAsync();
        // fp-1: fires 10 min, resolves; fires again 3 min later for 20 min (a flap with a 5m gap); fp-2 fires 1 h, open.
        var s1 = T0;
        await t.EnqueueAsync(Groups.Firing("Load", "fp-1", s1), s1, "ok", "bad");
        await t.EnqueueAsync(Groups.Resolved("Load", "fp-1", s1, s1.AddMinutes(10)), s1.AddMinutes(10), "ok");
        var s2 = s1.AddMinutes(13);
        await t.EnqueueAsync(Groups.Firing("Load", "fp-1", s2, groupKey: "k2"), s2, "ok");
        await t.EnqueueAsync(Groups.Resolved("Load", "fp-1", s2, s2.AddMinutes(20)), s2.AddMinutes(20), "ok");
        await t.EnqueueAsync(Groups.Firing("Load", "fp-2", s1, groupKey: "k3"), s1.AddMinutes(1), "ok");
        // A channel's next delivery is handed out once the one before it finished: claim until none is left.
        IReadOnlyList<ClaimedDelivery> claimed;
        while ((claimed = await t.Store.ClaimDueAsync(100, T0.AddHours(1), TimeSpan.FromMinutes(1), "w", None)).Count > 0)
        foreach (var c in claimed)
        {
            if (c.Channel == "bad")
            {
                await t.Store.MarkFailedAsync(c.DeliveryId, 1, "Auth", "401", T0.AddHours(1), None);
            }
            else
            {
                await t.Store.MarkSucceededAsync(c.DeliveryId, 1, null, T0.AddHours(1), None);
            }
        }

        var report = await t.Store.GetQualityReportAsync(
            new AlertQualityQuery(T0.AddHours(-1), T0.AddHours(2), TimeSpan.FromMinutes(5), T0.AddHours(1)), None);

        var row = Assert.Single(report.Rows);
        Assert.Equal(("Load", "ops", 3, 5, 1), (row.AlertName, row.Receiver, row.Fired, row.Notifications, row.Flaps));
        Assert.Equal((10 + 20 + 60) * 60, row.FiringSeconds);
        Assert.Equal(15 * 60, row.MedianFiringSeconds);
        Assert.Equal((6, 1), (row.Deliveries, row.FailedDeliveries));
        Assert.Equal(1.0 / 6, row.FailedShare, 6);
        Assert.Equal(row, Assert.Single(report.Noisiest));
    }

    [Fact]
    public async Task RequeueFailedDelivery_Failed_PendingAgainWithFreshAttemptsAndKeptError()
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "fp-a", T0), T0, "c");
        var claimed = Assert.Single(await t.Store.ClaimDueAsync(1, T0, TimeSpan.FromMinutes(1), "w", None));
        await t.Store.MarkFailedAsync(claimed.DeliveryId, 3, "InvalidRequest", "HTTP 400", T0.AddSeconds(1), None);
        var later = T0.AddDays(2);

        Assert.Equal(RequeueOutcome.Requeued, await t.Store.RequeueFailedDeliveryAsync(claimed.DeliveryId, later, None));
        Assert.Equal(RequeueOutcome.NotFailed, await t.Store.RequeueFailedDeliveryAsync(claimed.DeliveryId, later, None));
        Assert.Equal(RequeueOutcome.NotFound, await t.Store.RequeueFailedDeliveryAsync(9999, later, None));

        var again = Assert.Single(await t.Store.ClaimDueAsync(1, later, TimeSpan.FromMinutes(1), "w", None));
        Assert.Equal((claimed.DeliveryId, 0, later), (again.DeliveryId, again.Attempts, again.FirstAttemptDeadlineBase));
        var history = await t.Store.GetAlertHistoryAsync("fp-a", None);
        Assert.Contains("previous failure: InvalidRequest: HTTP 400", history!.Deliveries[0].LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecentGroupsAndPayload_Receiver_NewestFirstWithRawBody()
    {
        await using var t = await CreateStoreAsync();
        var a = await t.EnqueueAsync(Groups.Firing("A", "fp-a", T0), T0, "c");
        var b = await t.EnqueueAsync(Groups.Firing("B", "fp-b", T0), T0.AddMinutes(1), "c");

        var groups = await t.Store.GetRecentGroupsAsync("ops", 10, None);

        Assert.Equal([b.GroupId, a.GroupId], groups.Select(g => g.GroupId));
        Assert.Equal("{}", await t.Store.GetGroupPayloadAsync(a.GroupId, None));
        Assert.Null(await t.Store.GetGroupPayloadAsync(999, None));
    }
}

public sealed class SqliteAlertEventsTests : AlertEventsTests
{
    protected override Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAlertEventsTests(PostgresServer server) : AlertEventsTests
{
    protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync(server);
}
