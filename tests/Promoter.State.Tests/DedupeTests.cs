using Promoter.Abstractions.Model;
using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>The dedupe contract: run against SQLite and PostgreSQL (see the subclasses at the end).</summary>
public abstract class DedupeTests
{
    /// <summary>A fresh, initialised store of the engine under test.</summary>
    protected abstract Task<TempStore> CreateStoreAsync();

    private static readonly DateTimeOffset Start = new(2026, 11, 21, 22, 45, 2, 568, TimeSpan.Zero);

    private static AlertGroup TwoAlerts() => Groups.Firing("A", "f1", Start) with
    {
        Alerts =
        [
            Groups.Firing("A", "f1", Start).Alerts[0],
            Groups.Firing("A", "f2", Start.AddMinutes(1)).Alerts[0],
        ],
    };

    public static TheoryData<string, AlertGroup> SameNotification => new()
    {
        { "alerts in another order", TwoAlerts() with { Alerts = TwoAlerts().Alerts.Reverse().ToList() } },
        {
            "times at another offset",
            TwoAlerts() with
            {
                Alerts = TwoAlerts().Alerts
                    .Select(a => a with { StartsAt = a.StartsAt.ToOffset(TimeSpan.FromHours(8)) }).ToList(),
            }
        },
        { "other annotations (not part of the identity)", TwoAlerts() with { CommonAnnotations = new Dictionary<string, string> { ["x"] = "y" } } },
    };

    public static TheoryData<string, AlertGroup> OtherNotification => new()
    {
        { "other receiver", TwoAlerts() with { Receiver = "other" } },
        { "other group key", TwoAlerts() with { GroupKey = "{}:{alertname=\"B\"}" } },
        { "status resolved", TwoAlerts() with { Status = "resolved" } },
        { "one alert fewer", TwoAlerts() with { Alerts = [TwoAlerts().Alerts[0]] } },
        {
            "an alert resolved",
            TwoAlerts() with
            {
                Alerts = [TwoAlerts().Alerts[0], TwoAlerts().Alerts[1] with { Status = "resolved", EndsAt = Start.AddMinutes(5) }],
            }
        },
        {
            "a new episode (startsAt moved by a tick)",
            TwoAlerts() with { Alerts = [TwoAlerts().Alerts[0] with { StartsAt = Start.AddTicks(1) }, TwoAlerts().Alerts[1]] }
        },
    };

    [Theory]
    [MemberData(nameof(SameNotification))]
    public void Compute_SameNotification_SameKey(string change, AlertGroup variant)
    {
        Assert.True(DedupeKey.Compute(TwoAlerts()) == DedupeKey.Compute(variant), change);
    }

    [Theory]
    [MemberData(nameof(OtherNotification))]
    public void Compute_OtherNotification_OtherKey(string change, AlertGroup variant)
    {
        Assert.True(DedupeKey.Compute(TwoAlerts()) != DedupeKey.Compute(variant), change);
    }

    [Fact]
    public void Compute_AlertsWithoutFingerprint_KeyedByLabels()
    {
        var a = Groups.Firing("A", "", Start);
        var b = a with { Alerts = [a.Alerts[0] with { Labels = new Dictionary<string, string> { ["alertname"] = "A", ["severity"] = "warning" } }] };

        Assert.NotEqual(DedupeKey.Compute(a), DedupeKey.Compute(b));
    }

    [Fact]
    public void Compute_FixedGroup_SameKeyAcrossVersions()
    {
        // A resend that arrives across an upgrade (or at another replica) must still match, so the format may
        // only change on purpose. The value was computed independently (Python hashlib) from the format
        // described in DedupeKey.cs: length-prefixed UTF-8 fields, alerts sorted, times as UTC ticks.
        Assert.Equal("b0970991f61ce08443af7453a76987675b8c381473f87caf0b04a7d271fb38e8", DedupeKey.Compute(TwoAlerts()));
    }

    [Fact]
    public void Compute_AnyGroup_Sha256LowerHex()
    {
        var key = DedupeKey.Compute(TwoAlerts());

        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(299, true)]
    [InlineData(300, false)]
    [InlineData(3600, false)]
    public async Task Enqueue_SameKeyAgain_DuplicateOnlyInsideWindow(int secondsLater, bool duplicate)
    {
        await using var t = await CreateStoreAsync();
        var first = await t.EnqueueAsync(TwoAlerts(), TempStore.T0, "C");

        var again = await t.EnqueueAsync(TwoAlerts(), TempStore.T0.AddSeconds(secondsLater), "C");

        Assert.Equal(duplicate, again.Duplicate);
        Assert.Equal(duplicate, again.GroupId == first.GroupId);
        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0.AddHours(2), CancellationToken.None);
        Assert.Equal(duplicate ? 1 : 2, stats.Pending);
        var history = await t.Store.GetAlertHistoryAsync("f1", CancellationToken.None);
        Assert.Equal(duplicate ? 1 : 2, history!.Changes.Count);
    }

    [Fact]
    public async Task Enqueue_ZeroWindow_NeverDuplicate()
    {
        await using var t = await CreateStoreAsync();
        var g = TwoAlerts();
        var request = new NewGroup(g, "{}", ["C"], TempStore.T0, DedupeKey.Compute(g), TimeSpan.Zero);

        await t.Store.EnqueueAsync(request, CancellationToken.None);
        var again = await t.Store.EnqueueAsync(request, CancellationToken.None);

        Assert.False(again.Duplicate);
    }
}

public sealed class SqliteDedupeTests : DedupeTests
{
    protected override Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresDedupeTests(PostgresServer server) : DedupeTests
{
    protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync(server);
}
