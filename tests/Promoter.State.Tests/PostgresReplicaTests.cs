using Npgsql;
using Promoter.State.Postgres;
using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>
/// What only the PostgreSQL store promises: several replicas on one database. Each replica is its own
/// <see cref="PostgresStateStore"/> with its own connection pool, as in separate processes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReplicaTests(PostgresServer server)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Initialize_ThreeReplicasAtOnce_MigrationsAppliedOnce()
    {
        var connection = PostgresConnection.Build(server.ConnectionString(await server.CreateDatabaseAsync()), server.Password);
        var stores = Enumerable.Range(0, 3).Select(_ => PostgresStateStore.Open(connection, TimeProvider.System, null)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(None)));

            await using var c = new NpgsqlConnection(connection);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version", c);
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal(r.GetInt64(1), r.GetInt64(0));
            Assert.Equal(1L, r.GetInt64(0));
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Enqueue_SameGroupPostedToTwoReplicasAtOnce_QueuedOnce()
    {
        await using var t = await TempStore.CreatePostgresAsync(server);
        var other = await t.OpenReplicaAsync();
        var results = new List<EnqueueResult>();
        for (var i = 0; i < 20; i++)
        {
            // An Alertmanager HA pair: both members post the same group to different replicas at the same moment.
            var group = Groups.Firing("A" + i, "f" + i, TempStore.T0);
            var posted = new NewGroup(group, "{}", ["slack"], TempStore.T0, DedupeKey.Compute(group), TimeSpan.FromMinutes(2));
            var pair = await Task.WhenAll(t.Store.EnqueueAsync(posted, None), other.EnqueueAsync(posted, None));
            Assert.Single(pair, r => !r.Duplicate);
            Assert.Equal(pair[0].GroupId, pair[1].GroupId);
            results.AddRange(pair);
        }

        var stats = await t.Store.GetQueueStatsAsync(TempStore.T0, None);
        Assert.Equal(20, stats.Pending);
    }

    [Fact]
    public async Task ClaimDue_ThreeReplicasAtOnce_EveryDeliveryHandedOutOnce()
    {
        await using var t = await TempStore.CreatePostgresAsync(server);
        var replicas = new List<IStateStore> { t.Store, await t.OpenReplicaAsync(), await t.OpenReplicaAsync() };
        for (var i = 0; i < 60; i++)
        {
            await t.EnqueueAsync(Groups.Firing("A" + i, "f" + i, TempStore.T0), TempStore.T0, "C");
        }

        var claimed = new List<long>();
        while (true)
        {
            var round = await Task.WhenAll(replicas.Select((r, i) => r.ClaimDueAsync(7, TempStore.T0, Lease, "replica-" + i, None)));
            if (round.All(r => r.Count == 0))
            {
                break;
            }

            claimed.AddRange(round.SelectMany(r => r.Select(d => d.DeliveryId)));
        }

        Assert.Equal(60, claimed.Count);
        Assert.Equal(60, claimed.Distinct().Count());
    }

    [Fact]
    public async Task ClaimDue_ReplicaDiesHoldingALease_AnotherReplicaTakesOverAfterTheHeartbeatLease()
    {
        await using var t = await TempStore.CreatePostgresAsync(server);
        var heartbeat = new PostgresStateStoreOptions { LeaseHeartbeat = TimeSpan.FromSeconds(1.5) };
        // Real time here: the heartbeat renews on the wall clock.
        var alive = await t.OpenReplicaAsync(heartbeat, TimeProvider.System);
        var doomed = await t.OpenReplicaAsync(heartbeat, TimeProvider.System);
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "kept");
        await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0, "lost");

        var kept = Assert.Single(await alive.ClaimDueAsync(1, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15), "alive", None));
        var lost = Assert.Single(await doomed.ClaimDueAsync(1, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15), "doomed", None));
        await doomed.DisposeAsync(); // stops renewing without releasing: as a SIGKILL would

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var taken = await t.Store.ClaimDueAsync(10, DateTimeOffset.UtcNow, Lease, "survivor", None);

        Assert.Equal([lost.DeliveryId], taken.Select(d => d.DeliveryId));
        Assert.NotEqual(kept.DeliveryId, lost.DeliveryId);
    }

    [Fact]
    public async Task ReadEvents_LaterIdCommittedFirst_CursorNeverSkipsTheEarlierOne()
    {
        await using var t = await TempStore.CreatePostgresAsync(server);
        await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C");
        var first = await t.Store.ReadEventsAsync(new AlertEventQuery(), None);
        var cursor = Assert.Single(first.Events).Id;

        // A slow intake on another replica takes the next id and has not committed yet.
        await using var slow = new NpgsqlConnection(ConnectionOf(t));
        await slow.OpenAsync();
        await using var tx = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO alert_history (group_id, fingerprint, receiver, alert_name, status, labels_json, annotations_json,
                                       starts_at, generator_url, received_at)
            SELECT group_id, 'slow', receiver, 'Slow', status, labels_json, annotations_json, starts_at, generator_url,
                   received_at
            FROM alert_history LIMIT 1
            """, slow, tx))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await t.EnqueueAsync(Groups.Firing("B", "b1", TempStore.T0), TempStore.T0, "C");
        var meanwhile = await t.Store.ReadEventsAsync(new AlertEventQuery(After: cursor), None);
        await tx.CommitAsync();
        var after = await t.Store.ReadEventsAsync(new AlertEventQuery(After: cursor), None);

        Assert.Empty(meanwhile.Events); // b1 is held back while the smaller id may still commit
        Assert.Equal(["slow", "b1"], after.Events.Select(e => e.Fingerprint));
    }

    [Fact]
    public async Task Prune_AnotherReplicaPruning_SkippedHere()
    {
        var connection = PostgresConnection.Build(server.ConnectionString(await server.CreateDatabaseAsync()), server.Password);
        var clock = new ManualTimeProvider(TempStore.T0);
        await using var store = PostgresStateStore.Open(connection, clock, null, new PostgresStateStoreOptions { LeaseHeartbeat = null });
        await store.InitializeAsync(None);
        var group = Groups.Firing("A", "a1", TempStore.T0);
        await store.EnqueueAsync(new NewGroup(group, "{}", [], TempStore.T0, DedupeKey.Compute(group), TimeSpan.Zero), None);

        await using (var other = new NpgsqlConnection(connection + ";Pooling=false"))
        {
            await other.OpenAsync();
            // The store's retention lock key (PostgresStateStore.PruneLockKey, 0x50524D54_00000002).
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(5787773494297100290)", other))
            {
                await take.ExecuteNonQueryAsync();
            }

            Assert.Equal(0, await store.PruneAsync(TempStore.T0.AddDays(1), None));

            // Released explicitly: a closed session's locks go only when its server process has exited, a moment later.
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(5787773494297100290)", other);
            await release.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await store.PruneAsync(TempStore.T0.AddDays(1), None));
    }

    [Fact]
    public async Task ReserveSlot_TwoReplicasOneRobot_LimitSharedNotPerReplica()
    {
        await using var t = await TempStore.CreatePostgresAsync(server);
        var other = await t.OpenReplicaAsync();
        var slots = (IChannelSlots)t.Store;
        var otherSlots = (IChannelSlots)other;

        // DingTalk: 20 messages a minute per robot. 30 sends asked for by two replicas at once.
        var reserved = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            (i % 2 == 0 ? slots : otherSlots).ReserveSlotAsync("dingtalk", i, 20, TimeSpan.FromMinutes(1), TempStore.T0, None)));

        Assert.Equal(20, reserved.Count(s => s == TempStore.T0));
        Assert.Equal(10, reserved.Count(s => s == TempStore.T0.AddMinutes(1)));
        // A deferred delivery coming back at its slot finds it, not a new one; other channels are not held up.
        var mine = reserved[25];
        Assert.Equal(mine, await slots.ReserveSlotAsync("dingtalk", 25, 20, TimeSpan.FromMinutes(1), mine, None));
        Assert.Equal(TempStore.T0, await otherSlots.ReserveSlotAsync("slack", 1, 1, TimeSpan.FromSeconds(1), TempStore.T0, None));
    }

    [Fact]
    public async Task Enqueue_ServerStoppedThenStarted_UnavailableThenWorksAgain()
    {
        // Its own server: stopping the shared one would fail the tests running beside this one.
        await using var own = await PostgresServer.StartAsync();
        var connection = PostgresConnection.Build(own.ConnectionString(await own.CreateDatabaseAsync()), own.Password);
        await using var store = PostgresStateStore.Open(connection, TimeProvider.System, null);
        await store.InitializeAsync(None);
        var group = Groups.Firing("A", "a1", TempStore.T0);
        var posted = new NewGroup(group, "{}", ["C"], TempStore.T0, DedupeKey.Compute(group), TimeSpan.Zero);
        await store.EnqueueAsync(posted, None);

        await own.StopServerAsync("immediate");
        var down = await Assert.ThrowsAsync<StateStoreException>(() => store.EnqueueAsync(posted, None));
        var health = await store.CheckHealthAsync(None);
        await own.StartServerAsync();

        Assert.Contains("127.0.0.1", down.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(own.Password, down.Message, StringComparison.Ordinal);
        Assert.False(health.Healthy);
        Assert.False((await store.EnqueueAsync(posted, None)).Duplicate);
        Assert.True((await store.CheckHealthAsync(None)).Healthy);
        Assert.Equal(2, (await store.GetQueueStatsAsync(TempStore.T0, None)).Pending);
    }

    [Theory]
    [InlineData("wrong-password", "password")]
    [InlineData(null, "password")]
    public async Task Initialize_BadPassword_ClearErrorWithoutThePassword(string? password, string expected)
    {
        var connection = PostgresConnection.Build(server.ConnectionString("postgres"), password);
        await using var store = PostgresStateStore.Open(connection, TimeProvider.System, null);

        var e = await Assert.ThrowsAsync<StateStoreException>(() => store.InitializeAsync(None));

        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrong-password", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db;Database=promoter;Username=p", null)]
    [InlineData("Database=promoter", "no Host")]
    [InlineData("Host=db;Username=p", "no Database")]
    [InlineData("Host=db;Database=promoter;Password=secret", "password_file")]
    [InlineData("Host=db;Nonsense=1", "not a PostgreSQL connection string")]
    public void Validate_ConnectionString_ProblemNamed(string connectionString, string? problem)
    {
        var error = PostgresConnection.Validate(connectionString);

        if (problem is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains(problem, error, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
        }
    }

    private static string ConnectionOf(TempStore t) => t.PostgresConnectionString!;
}
