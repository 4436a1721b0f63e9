using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Host.Pipeline;
using Promoter.State;

namespace Promoter.Host.Tests.Pipeline;

/// <summary>The host's plan of a rate-limited channel's slots, and how a storm digest is put together.</summary>
public sealed class ChannelPacingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Reserve_TwentyPerMinute_FirstTwentyAtOnceThenOneWindowLaterInOrder()
    {
        var schedule = new SlotSchedule(new ChannelRateLimit(20, TimeSpan.FromMinutes(1)));

        var slots = Enumerable.Range(0, 45).Select(i => schedule.Reserve(i, T0)).ToList();

        Assert.All(slots.Take(20), s => Assert.Equal(T0, s));
        Assert.All(slots.Skip(20).Take(20), s => Assert.Equal(T0.AddMinutes(1), s));
        Assert.All(slots.Skip(40), s => Assert.Equal(T0.AddMinutes(2), s));
        Assert.Equal(T0.AddMinutes(1), schedule.Reserve(25, T0)); // a reservation is kept, not renewed
    }

    [Fact]
    public void Release_ReservedSlot_NextReservationTakesItBack()
    {
        var schedule = new SlotSchedule(new ChannelRateLimit(1, TimeSpan.FromSeconds(10)));
        schedule.Reserve(1, T0);
        schedule.Reserve(2, T0);
        Assert.Equal(T0.AddSeconds(20), schedule.Reserve(3, T0));

        schedule.Release(3);
        schedule.Release(2);

        Assert.Equal(T0.AddSeconds(10), schedule.Next(T0));
        Assert.Null(schedule.ReservationOf(2));
    }

    [Theory]
    [InlineData(0, 200)]    // sent in its slot: waits the 2 % margin behind the sends it follows
    [InlineData(600, 200)]  // the earlier sends went late: it keeps the window (and margin) from their real times
    public void BeginSend_AfterEarlierSends_WaitsOnlyWhatTheWindowRequires(int lateMs, int expectedWaitMs)
    {
        var schedule = new SlotSchedule(new ChannelRateLimit(2, TimeSpan.FromSeconds(10)));
        schedule.Reserve(1, T0);
        schedule.Reserve(2, T0);
        var third = schedule.Reserve(3, T0);
        Assert.Equal(T0.AddSeconds(10), third);

        // The first send really started late: the third must keep 10 s from it, not from its plan.
        Assert.Equal(TimeSpan.Zero, schedule.BeginSend(1, T0.AddMilliseconds(lateMs)));
        Assert.Equal(TimeSpan.Zero, schedule.BeginSend(2, T0.AddMilliseconds(lateMs)));

        Assert.Equal(TimeSpan.FromMilliseconds(lateMs + expectedWaitMs), schedule.BeginSend(3, third));
    }

    private static ClaimedDelivery Delivery(long id, params Alert[] alerts)
    {
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = alerts, ExternalUrl = "http://am:9093", GroupKey = "g" + id };
        return new ClaimedDelivery(id, id, "ding", "ops", group, 0, T0, null, T0);
    }

    private static Alert A(string name, string severity, string fingerprint, string status = "firing") => new()
    {
        Status = status,
        Labels = new Dictionary<string, string> { ["alertname"] = name, ["severity"] = severity },
        Annotations = new Dictionary<string, string> { ["summary"] = name + " on " + fingerprint },
        Fingerprint = fingerprint,
        StartsAt = T0,
    };

    /// <summary>Folds the deliveries into a digest and builds it, reading groups back from the deliveries themselves.</summary>
    private static Task<StormDigest.Result> BuildAsync(IEnumerable<ClaimedDelivery> deliveries, Func<long, bool>? readable = null)
    {
        var digest = new StormDigest();
        var stored = new Dictionary<long, AlertGroup>();
        foreach (var d in deliveries)
        {
            digest.Add(d);
            stored[d.GroupId] = d.Group;
        }

        return digest.BuildAsync("ops", new Uri("https://promoter.example.com/"),
            (id, _) => Task.FromResult(readable is null || readable(id) ? stored.GetValueOrDefault(id) : null), CancellationToken.None);
    }

    [Fact]
    public async Task Build_Backlog_WorstInFullRestListedCountedAndEachAlertOnceInItsLatestState()
    {
        var deliveries = new List<ClaimedDelivery>
        {
            Delivery(1, A("DiskFull", "warning", "f1"), A("DiskFull", "warning", "f2")),
            Delivery(2, A("NodeDown", "critical", "f3")),
            Delivery(3, A("DiskFull", "warning", "f1", status: "resolved")), // f1 again: resolved now
        };
        for (var i = 0; i < 80; i++)
        {
            deliveries.Add(Delivery(10 + i, A("HighLatency", "info", $"h{i:00}")));
        }

        var built = await BuildAsync(deliveries);

        Assert.Equal(83, built.Digest.Notifications);
        Assert.Equal((83, 82, 1), (built.Digest.Alerts, built.Digest.Firing, built.Digest.Resolved));
        Assert.Equal(["NodeDown", "DiskFull"], built.Group.Alerts.Take(2).Select(a => a.Name));
        Assert.Equal(StormDigest.ShownInFull, built.Group.Alerts.Count);
        Assert.Equal(StormDigest.Listed, built.Digest.Others.Count);
        Assert.Equal(83 - StormDigest.ShownInFull - StormDigest.Listed, built.Digest.Unlisted);
        Assert.Contains(new DigestCount("DiskFull", "warning", 1, 1), built.Digest.Counts);
        Assert.Equal(new DigestCount("HighLatency", "info", 80, 0), built.Digest.Counts[0]);
        Assert.StartsWith("https://promoter.example.com/alerts/", built.Digest.Others[0].Link, StringComparison.Ordinal);
        Assert.Equal("https://promoter.example.com/?receiver=ops", built.Digest.AlertsLink);
        // f1 counts once, in its latest state (resolved: counted above), and is nowhere shown or listed as firing.
        Assert.DoesNotContain(built.Digest.Others, o => o.Fingerprint == "f1" && o.Status == "firing");
        Assert.DoesNotContain(built.Shown, s => s.Alert.Fingerprint == "f1" && s.Alert.IsFiring);
    }

    [Fact]
    public async Task Build_MembersFoldedOutOfDeliveryOrder_LatestDeliveryGivesTheStateAndTiesKeepFirstSeenOrder()
    {
        // The digest's first member is claimed before the backlog, whatever its id: folding order must not matter.
        var deliveries = new[]
        {
            Delivery(5, A("DiskFull", "warning", "f1", status: "resolved")),
            Delivery(1, A("DiskFull", "warning", "f1"), A("Latency", "warning", "f2")),
            Delivery(3, A("Latency", "warning", "f3")),
        };

        var forward = await BuildAsync(deliveries.OrderBy(d => d.DeliveryId));
        var shuffled = await BuildAsync(deliveries);

        foreach (var built in new[] { forward, shuffled })
        {
            Assert.Equal((3, 2, 1), (built.Digest.Alerts, built.Digest.Firing, built.Digest.Resolved));
            Assert.Equal(["f2", "f3", "f1"], built.Group.Alerts.Select(a => a.Fingerprint));
            Assert.Equal("resolved", built.Group.Alerts[2].Status);
            Assert.Equal(5, built.Shown[2].GroupId);
        }
    }

    [Fact]
    public async Task Build_GroupOfShownAlertUnreadable_AlertListedInsteadAndNothingLost()
    {
        var deliveries = new[]
        {
            Delivery(1, A("NodeDown", "critical", "c1")),
            Delivery(2, A("Latency", "info", "i1"), A("Latency", "info", "i2")),
        };

        var built = await BuildAsync(deliveries, readable: id => id != 1);

        Assert.Equal(["i1", "i2"], built.Group.Alerts.Select(a => a.Fingerprint));
        Assert.Equal("c1", Assert.Single(built.Digest.Others).Fingerprint);
        Assert.Equal(0, built.Digest.Unlisted);
        Assert.Equal(3, built.Digest.Alerts);
        Assert.False(built.Groups.ContainsKey(1));
    }
}
