using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>The outbox contract: run against SQLite and PostgreSQL (see the subclasses at the end).</summary>
public abstract class OutboxTests
{
    /// <summary>A fresh, initialised store of the engine under test.</summary>
    protected abstract Task<TempStore> CreateStoreAsync();

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task EnqueueClaimSucceed_OneGroupTwoChannels_EachChannelDeliveredOnce()
    {
        await using var t = await CreateStoreAsync();
        var group = Groups.Firing("HighLoad", "aaaa", TempStore.T0);
        var queued = await t.EnqueueAsync(group, TempStore.T0, "dingtalk", "slack");
        Assert.False(queued.Duplicate);

        var claimed = await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w1", None);

        Assert.Equal(["dingtalk", "slack"], claimed.Select(c => c.Channel).Order());
        Assert.All(claimed, c =>
        {
            Assert.Equal(queued.GroupId, c.GroupId);
            Assert.Equal("ops", c.Receiver);
            Assert.Equal(0, c.Attempts);
            Assert.Null(c.ResumeToken);
            Assert.Equal(TempStore.T0, c.CreatedAt);
            Assert.Equal(c.CreatedAt, c.FirstAttemptDeadlineBase);
            GroupAssert.Equal(group, c.Group);
        });
        Assert.Empty(await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w2", None));

        foreach (var c in claimed)
        {
            await t.Store.MarkSucceededAsync(c.DeliveryId, 1, "msg-" + c.Channel, TempStore.T0.AddSeconds(1), None);
        }

        // Even after every lease would have run out, nothing comes back.
        Assert.Empty(await t.Store.ClaimDueAsync(10, TempStore.T0.AddHours(1), Lease, "w2", None));
        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0.AddHours(1), None);
        Assert.Equal((0, 2L, 0L), (stats.Pending, stats.Succeeded, stats.Failed));
    }

    [Fact]
    public async Task GetGroup_Enqueued_ReadBackAsAcceptedAndUnknownIdIsNull()
    {
        await using var t = await CreateStoreAsync();
        var group = Groups.Firing("HighLoad", "aaaa", TempStore.T0);
        var queued = await t.EnqueueAsync(group, TempStore.T0, "dingtalk");

        var read = await t.Store.GetGroupAsync(queued.GroupId, None);
        Assert.NotNull(read);
        GroupAssert.Equal(group, read);
        Assert.Null(await t.Store.GetGroupAsync(queued.GroupId + 1000, None));
    }

    [Fact]
    public async Task Enqueue_SameChannelListedTwice_OneDelivery()
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "slack", "slack");

        var claimed = await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w1", None);

        Assert.Single(claimed);
    }

    [Fact]
    public async Task ClaimDue_TwoGroupsForOneChannel_NeitherWaitsForTheOther()
    {
        await using var t = await CreateStoreAsync();
        var first = await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C", "D");
        var second = await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0.AddSeconds(1), "C", "E");

        var round1 = await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(2), Lease, "w1", None);

        // Different groups: C gets both at once, and a failing first group holds nothing back.
        Assert.Equal([(first.GroupId, "C"), (first.GroupId, "D"), (second.GroupId, "C"), (second.GroupId, "E")],
            round1.Select(c => (c.GroupId, c.Channel)).Order());
    }

    [Fact]
    public async Task ClaimDue_FiringThenResolvedOfOneGroup_ResolvedWaitsUntilFiringFinishes()
    {
        await using var t = await CreateStoreAsync();
        var firing = await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C", "D");
        var resolved = await t.EnqueueAsync(Groups.Resolved("A", "a1", TempStore.T0, TempStore.T0.AddSeconds(1)), TempStore.T0.AddSeconds(1), "C", "E");
        var other = await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0.AddSeconds(1), "C");

        var round1 = await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(2), Lease, "w1", None);

        // C gets the group's firing (not its resolved) and the other group; E, another channel, proceeds at once.
        Assert.Equal([(firing.GroupId, "C"), (firing.GroupId, "D"), (resolved.GroupId, "E"), (other.GroupId, "C")],
            round1.Select(c => (c.GroupId, c.Channel)).Order());

        // The due resolved stays put while the firing is leased, then while it is rescheduled.
        var firstC = round1.Single(c => c.Channel == "C" && c.GroupId == firing.GroupId);
        Assert.Empty(await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(3), Lease, "w2", None));
        await t.Store.RescheduleAsync(firstC.DeliveryId, 1, TempStore.T0.AddSeconds(30), "HTTP 502", null, None);
        Assert.Empty(await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(10), Lease, "w2", None));

        var retry = Assert.Single(await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(30), Lease, "w2", None));
        Assert.Equal(firstC.DeliveryId, retry.DeliveryId);
        await t.Store.MarkFailedAsync(retry.DeliveryId, 2, "Permanent", "HTTP 400", TempStore.T0.AddSeconds(31), None);

        var round3 = Assert.Single(await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(31), Lease, "w2", None));
        Assert.Equal((resolved.GroupId, "C"), (round3.GroupId, round3.Channel));
    }

    [Fact]
    public async Task ClaimBacklog_ChannelWithDeferredAndInFlightWork_TakesWhatNoWorkerHoldsAndKeepsGroupOrder()
    {
        await using var t = await CreateStoreAsync();
        var inFlight = await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var behindInFlight = await t.EnqueueAsync(Groups.Resolved("A", "a1", TempStore.T0, TempStore.T0.AddSeconds(1)), TempStore.T0.AddSeconds(1), "C");
        var deferred = await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0.AddSeconds(1), "C");
        var notDue = await t.EnqueueAsync(Groups.Firing("D", "d1", TempStore.T0), TempStore.T0.AddSeconds(1), "C", "other");
        var claimed = await t.Store.ClaimDueAsync(10, TempStore.T0.AddSeconds(2), Lease, "w1", None);
        await t.Store.DeferAsync(claimed.Single(c => c.GroupId == deferred.GroupId).DeliveryId, TempStore.T0.AddMinutes(5), None);
        await t.Store.DeferAsync(claimed.Single(c => c.GroupId == notDue.GroupId && c.Channel == "C").DeliveryId, TempStore.T0.AddMinutes(9), None);

        var backlog = await t.Store.ClaimBacklogAsync("C", 100, TempStore.T0.AddSeconds(3), Lease, "w2", None);

        // Deferred work is taken however far its slot; A's resolved is not (A's firing is in flight); other channels are not.
        Assert.Equal([deferred.GroupId, notDue.GroupId], backlog.Select(b => b.GroupId));
        Assert.DoesNotContain(behindInFlight.GroupId, backlog.Select(b => b.GroupId));
        Assert.Empty(await t.Store.ClaimBacklogAsync("C", 100, TempStore.T0.AddSeconds(4), Lease, "w3", None)); // now leased
        Assert.Equal(inFlight.GroupId, claimed.First().GroupId);

        await t.Store.MarkSentTogetherAsync(backlog.Select(b => b.DeliveryId).ToList(), "sent in a storm digest of 3 notifications", TempStore.T0.AddSeconds(5), None);
        var history = await t.Store.GetAlertHistoryAsync("b1", None);
        var delivery = Assert.Single(history!.Deliveries);
        Assert.Equal((DeliveryState.Succeeded, "sent in a storm digest of 3 notifications", 1), (delivery.State, delivery.Note, delivery.Attempts));
    }

    [Fact]
    public async Task Defer_ClaimedDelivery_NotDueUntilThenAndAttemptsAndErrorUntouched()
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var first = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, Lease, "w1", None));
        await t.Store.RescheduleAsync(first.DeliveryId, 1, TempStore.T0.AddSeconds(1), "HTTP 503", null, None);
        var second = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0.AddSeconds(1), Lease, "w1", None));

        await t.Store.DeferAsync(second.DeliveryId, TempStore.T0.AddSeconds(20), None);

        Assert.Empty(await t.Store.ClaimDueAsync(1, TempStore.T0.AddSeconds(19), Lease, "w2", None));
        var again = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0.AddSeconds(20), Lease, "w2", None));
        Assert.Equal(1, again.Attempts);
        var history = await t.Store.GetAlertHistoryAsync("a1", None);
        Assert.Equal("HTTP 503", history!.Deliveries[0].LastError);
    }

    [Fact]
    public async Task ClaimDue_ManyDue_AtMostMaxOldestFirst()
    {
        await using var t = await CreateStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await t.EnqueueAsync(Groups.Firing("A" + i, "f" + i, TempStore.T0), TempStore.T0, "ch" + i);
        }

        var claimed = await t.Store.ClaimDueAsync(3, TempStore.T0, Lease, "w1", None);

        Assert.Equal(["ch0", "ch1", "ch2"], claimed.Select(c => c.Channel));
    }

    [Theory]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(600, true)]
    public async Task ClaimDue_LeaseOfDeadWorker_ClaimableOnlyWhenExpired(int secondsLater, bool claimable)
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var dead = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, Lease, "dead-worker", None));

        var again = await t.Store.ClaimDueAsync(1, TempStore.T0.AddSeconds(secondsLater), Lease, "w2", None);

        Assert.Equal(claimable ? [dead.DeliveryId] : Array.Empty<long>(), again.Select(c => c.DeliveryId));
    }

    [Fact]
    public async Task Recover_AfterRestart_LeasesClearedAndClaimableAtOnce()
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C", "D");
        await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "old-process", None);
        if (t.IsPostgres)
        {
            // Other replicas may be alive: PostgreSQL's recovery clears nothing, the leases run out by themselves.
            Assert.Equal(0, await t.Store.RecoverAsync(None));
            Assert.Empty(await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "new-process", None));
            Assert.Equal(2, (await t.Store.ClaimDueAsync(10, TempStore.T0 + Lease, Lease, "new-process", None)).Count);
            return;
        }

        Assert.Equal(2, await t.Store.RecoverAsync(None));

        Assert.Equal(2, (await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "new-process", None)).Count);
    }

    [Fact]
    public async Task ReleaseLeases_OneOwner_OnlyItsDeliveriesFreed()
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0, "D");
        var c = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, Lease, "w1", None));
        var d = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, Lease, "w2", None));

        Assert.Equal(1, await t.Store.ReleaseLeasesAsync("w1", None));

        var again = Assert.Single(await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w3", None));
        Assert.Equal(c.DeliveryId, again.DeliveryId);
        Assert.NotEqual(d.DeliveryId, again.DeliveryId);
    }

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, true)]
    public async Task Reschedule_NextAttemptInFuture_ClaimableFromThen(int secondsLater, bool claimable)
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var first = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, Lease, "w1", None));
        await t.Store.RescheduleAsync(first.DeliveryId, 1, TempStore.T0.AddSeconds(30), "HTTP 503", "part-2", None);

        var again = await t.Store.ClaimDueAsync(1, TempStore.T0.AddSeconds(secondsLater), Lease, "w1", None);

        if (claimable)
        {
            var c = Assert.Single(again);
            Assert.Equal((first.DeliveryId, 1, "part-2"), (c.DeliveryId, c.Attempts, c.ResumeToken));
            Assert.Equal(TempStore.T0, c.FirstAttemptDeadlineBase);
        }
        else
        {
            Assert.Empty(again);
        }
    }

    [Fact]
    public async Task MarkSucceeded_AfterAnotherWorkerFinished_FirstOutcomeKept()
    {
        await using var t = await CreateStoreAsync();
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var c = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, Lease, "w1", None));
        await t.Store.MarkFailedAsync(c.DeliveryId, 1, "Auth", "token rejected", TempStore.T0, None);

        await t.Store.MarkSucceededAsync(c.DeliveryId, 2, "late", TempStore.T0.AddMinutes(2), None);
        await t.Store.RescheduleAsync(c.DeliveryId, 3, TempStore.T0, "late retry", null, None);

        var history = await t.Store.GetAlertHistoryAsync("a1", None);
        var d = Assert.Single(history!.Deliveries);
        Assert.Equal((DeliveryState.Failed, 1, "Auth", "token rejected", (string?)null),
            (d.State, d.Attempts, d.FailureReason, d.LastError, d.MessageId));
        Assert.Empty(await t.Store.ClaimDueAsync(1, TempStore.T0.AddHours(1), Lease, "w1", None));
    }

    [Fact]
    public async Task ClaimDue_ConcurrentWorkers_EachDeliveryClaimedOnce()
    {
        await using var t = await CreateStoreAsync();
        for (var i = 0; i < 40; i++)
        {
            await t.EnqueueAsync(Groups.Firing("A" + i, "f" + i, TempStore.T0), TempStore.T0, "ch" + (i % 8), "x" + i);
        }

        var claimed = new System.Collections.Concurrent.ConcurrentBag<long>();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var round = 0; round < 200; round++)
            {
                var batch = await t.Store.ClaimDueAsync(3, TempStore.T0, Lease, "w" + w, None);
                if (batch.Count == 0 && round > 20)
                {
                    break;
                }

                foreach (var c in batch)
                {
                    claimed.Add(c.DeliveryId);
                    await t.Store.MarkSucceededAsync(c.DeliveryId, 1, null, TempStore.T0, None);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(80, claimed.Count);
        Assert.Equal(80, claimed.Distinct().Count());
    }

    [Fact]
    public async Task Enqueue_ManyConcurrentWithOneBroken_OthersCommittedBrokenOneRolledBackWhole()
    {
        await using var t = await CreateStoreAsync();
        var good = Enumerable.Range(0, 40).Select(i => Groups.Firing("A" + i, "f" + i, TempStore.T0)).ToList();
        // Fails half way through its intake (after the group and delivery rows, at the history row).
        var broken = Groups.Firing("Broken", "x", TempStore.T0);
        broken = broken with { Alerts = [broken.Alerts[0] with { Fingerprint = null! }] };

        var tasks = good.Select(g => Task.Run(() => t.EnqueueAsync(g, TempStore.T0, "C", "D"))).ToList();
        var failing = Task.Run(() => t.Store.EnqueueAsync(
            new NewGroup(broken, "{}", ["C", "D"], TempStore.T0, "broken", TimeSpan.Zero), None));

        var results = await Task.WhenAll(tasks);
        await Assert.ThrowsAnyAsync<Exception>(() => failing);
        Assert.Equal(40, results.Select(r => r.GroupId).Distinct().Count());
        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0, None);
        Assert.Equal(80, stats.Pending);
        var claimed = await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w", None);
        Assert.DoesNotContain(claimed, c => c.Group.Alerts[0].Name == "Broken");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"format\":99,\"receiver\":\"ops\"}")]
    public async Task ClaimDue_GroupUnreadable_DeliveryFailsAndChannelMovesOn(string storedJson)
    {
        await using var t = await CreateStoreAsync();
        var bad = await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var good = await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0, "C");
        Assert.Equal(1, await t.ExecuteSqlAsync("UPDATE alert_groups SET group_json = @json WHERE id = @id",
            ("json", storedJson), ("id", bad.GroupId)));

        // The unreadable one fails visibly in the same claim; the other group is handed out.
        var next = Assert.Single(await t.Store.ClaimDueAsync(10, TempStore.T0, Lease, "w", None));

        Assert.Equal(good.GroupId, next.GroupId);
        var failed = Assert.Single((await t.Store.GetAlertHistoryAsync("a1", None))!.Deliveries);
        Assert.Equal((DeliveryState.Failed, "Unreadable"), (failed.State, failed.FailureReason));
    }

    [Fact]
    public async Task Enqueue_CancelledBeforeRun_NothingWritten()
    {
        await using var t = await CreateStoreAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var g = Groups.Firing("A", "a1", TempStore.T0);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.Store.EnqueueAsync(
            new NewGroup(g, "{}", ["C"], TempStore.T0, DedupeKey.Compute(g), TimeSpan.Zero), cts.Token));

        Assert.Equal(0, (await t.Store.GetQueueStatsAsync(TempStore.T0, None)).Pending);
    }

    [Fact]
    public async Task GetLastMessageId_SeveralSuccesses_LatestForChannelAndGroupKey()
    {
        await using var t = await CreateStoreAsync();
        var firing = Groups.Firing("A", "a1", TempStore.T0);
        var resolved = Groups.Resolved("A", "a1", TempStore.T0, TempStore.T0.AddMinutes(5));
        var other = Groups.Firing("B", "b1", TempStore.T0);
        await t.EnqueueAsync(firing, TempStore.T0, "slack", "dingtalk");
        await t.EnqueueAsync(other, TempStore.T0, "slack");
        await t.EnqueueAsync(resolved, TempStore.T0.AddMinutes(5), "slack");

        Assert.Null(await t.Store.GetLastMessageIdAsync("slack", firing.GroupKey, None));
        for (var round = 0; round < 3; round++)
        {
            foreach (var c in await t.Store.ClaimDueAsync(10, TempStore.T0.AddMinutes(5), Lease, "w", None))
            {
                // The resolved notification's delivery has no message id: the firing one's is still "last".
                var id = c.Group.Status == "resolved" ? null : $"{c.Channel}:{c.Group.Alerts[0].Name}";
                await t.Store.MarkSucceededAsync(c.DeliveryId, 1, id, TempStore.T0.AddMinutes(5), None);
            }
        }

        Assert.Equal("slack:A", await t.Store.GetLastMessageIdAsync("slack", firing.GroupKey, None));
        Assert.Equal("dingtalk:A", await t.Store.GetLastMessageIdAsync("dingtalk", firing.GroupKey, None));
        Assert.Equal("slack:B", await t.Store.GetLastMessageIdAsync("slack", other.GroupKey, None));
        Assert.Null(await t.Store.GetLastMessageIdAsync("webhook", firing.GroupKey, None));
    }

    [Fact]
    public async Task SaveGroupImages_SavedTwice_FirstKeptAndReadBack()
    {
        await using var t = await CreateStoreAsync();
        var queued = await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        Assert.Null(await t.Store.GetGroupImagesAsync(queued.GroupId, None));
        StoredGroupImage[] first =
        [
            new(0, "A 负载", "https://img.example/a.png", true, "image/png", 800, 400, "ab12.png"),
            new(0, "no url", null, false, "image/svg+xml", 1, 2, null),
        ];

        var won = await t.Store.SaveGroupImagesAsync(queued.GroupId, first, ["Prometheus did not answer"], None);
        var lost = await t.Store.SaveGroupImagesAsync(queued.GroupId, [], ["second"], None);

        // Each caller gets what is saved: the first save, read back in the second save's own transaction.
        Assert.Equal(first, won.Images);
        Assert.Equal(first, lost.Images);
        Assert.Equal(["Prometheus did not answer"], lost.Notes);

        Assert.Equal(first, await t.Store.GetGroupImagesAsync(queued.GroupId, None));
        var rendered = await t.Store.GetRenderedGroupAsync(queued.GroupId, None);
        Assert.Equal(["Prometheus did not answer"], rendered!.Notes);
        Assert.Null(await t.Store.GetGroupImagesAsync(queued.GroupId + 1, None));
    }
}

public sealed class SqliteOutboxTests : OutboxTests
{
    protected override Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxTests(PostgresServer server) : OutboxTests
{
    protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync(server);
}
