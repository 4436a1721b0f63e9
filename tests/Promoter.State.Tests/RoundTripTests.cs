namespace Promoter.State.Tests;

public sealed class RoundTripTests
{
    public static TheoryData<string> Payloads => new()
    {
        "alertmanager-0.25/firing-single.json",
        "alertmanager-0.25/firing-and-expression.json",
        "alertmanager-0.25/resolved.json",
        "state/offsets-and-extras.json",
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task EnqueueThenClaim_FixturePayload_GroupReadBackExactly(string fixture)
    {
        var payload = await File.ReadAllTextAsync(Promoter.Testing.Infrastructure.TestPaths.TestData(fixture.Split('/')));
        var group = Groups.FromPayload(payload);
        await using var t = await TempStore.CreateAsync();
        await t.Store.EnqueueAsync(new NewGroup(group, payload, ["C"], TempStore.T0, DedupeKey.Compute(group),
            TimeSpan.FromMinutes(5)), CancellationToken.None);

        var claimed = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, TimeSpan.FromMinutes(1), "w",
            CancellationToken.None));

        GroupAssert.Equal(group, claimed.Group);
    }

    [Fact]
    public async Task EnqueueThenClaim_OffsetsAndExtras_OffsetsTicksAndNewFieldsKept()
    {
        var payload = await File.ReadAllTextAsync(
            Promoter.Testing.Infrastructure.TestPaths.TestData("state", "offsets-and-extras.json"));
        var group = Groups.FromPayload(payload);
        await using var t = await TempStore.CreateAsync();
        await t.EnqueueAsync(group, TempStore.T0, "C");

        var g = Assert.Single(await t.Store.ClaimDueAsync(1, TempStore.T0, TimeSpan.FromMinutes(1), "w",
            CancellationToken.None)).Group;

        // Checked against literal values too, so that a fixture parser and the store cannot agree on a mistake.
        Assert.Equal(TimeSpan.FromHours(8), g.Alerts[0].StartsAt.Offset);
        Assert.Equal(1234567, g.Alerts[0].StartsAt.Ticks % TimeSpan.TicksPerSecond);
        Assert.Equal(TimeSpan.FromHours(-5), g.Alerts[1].StartsAt.Offset);
        Assert.Equal(DateTimeOffset.MinValue.UtcTicks, g.Alerts[0].EndsAt.UtcTicks);
        Assert.Equal(3, g.TruncatedAlerts);
        Assert.Equal("first notification", g.NotificationReason);
        Assert.Equal("a", g.RouteLabels["team"]);
        Assert.Equal("上海", g.Alerts[0].Labels["机房"]);
        Assert.Equal("disk \"/data\" at 97% <b>&</b>", g.Alerts[0].Annotations["description"]);
    }

    [Fact]
    public async Task Enqueue_RawPayload_KeptAsReceived()
    {
        var payload = await File.ReadAllTextAsync(
            Promoter.Testing.Infrastructure.TestPaths.TestData("alertmanager-0.25", "firing-single.json"));
        var group = Groups.FromPayload(payload);
        await using var t = await TempStore.CreateAsync();
        var queued = await t.Store.EnqueueAsync(new NewGroup(group, payload, ["C"], TempStore.T0,
            DedupeKey.Compute(group), TimeSpan.Zero), CancellationToken.None);
        await t.Store.DisposeAsync();

        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={t.DatabasePath}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT payload FROM alert_groups WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", queued.GroupId);

        Assert.Equal(payload, (string?)cmd.ExecuteScalar());
    }
}
