using Microsoft.Data.Sqlite;
using Promoter.State.Sqlite;
using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

public sealed class DurabilityTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Enqueue_FilesCopiedWhileStillOpen_CopyHoldsTheCommittedGroup()
    {
        // What a SIGKILL leaves behind: the main file plus the WAL, never checkpointed, connections not closed.
        await using var t = await TempStore.CreateAsync();
        var group = Groups.Firing("A", "a1", TempStore.T0);
        var queued = await t.EnqueueAsync(group, TempStore.T0, "slack", "dingtalk");
        Assert.True(new FileInfo(t.DatabasePath + "-wal").Length > 0, "the commit should still be in the WAL");

        var copy = Path.Combine(TestPaths.NewTempDirectory("promoter-state-copy"), "state.db");
        File.Copy(t.DatabasePath, copy);
        File.Copy(t.DatabasePath + "-wal", copy + "-wal");
        await using var reopened = await t.OpenAnotherAsync(copy);

        var claimed = await reopened.ClaimDueAsync(10, TempStore.T0, Lease, "w", None);
        Assert.Equal(["dingtalk", "slack"], claimed.Select(c => c.Channel).Order());
        Assert.All(claimed, c => Assert.Equal(queued.GroupId, c.GroupId));
        GroupAssert.Equal(group, claimed[0].Group);
    }

    [Fact]
    public async Task Open_AfterAbandonedStoreWithLeases_RecoverMakesWorkClaimable()
    {
        var folder = TestPaths.NewTempDirectory("promoter-state");
        var path = Path.Combine(folder, "state.db");
        var clock = new ManualTimeProvider(TempStore.T0);
        // The first "process": queues, claims, then is never disposed. (Its lock file would keep the second
        // store out; a real dead process loses its lock, see CrashTests.)
        var first = SqliteStateStore.Open(path, clock, null, new SqliteStateStoreOptions { SingleProcessLock = false });
        await first.InitializeAsync(None);
        var g = Groups.Firing("A", "a1", TempStore.T0);
        await first.EnqueueAsync(new NewGroup(g, "{}", ["C"], TempStore.T0, DedupeKey.Compute(g), TimeSpan.FromMinutes(5)), None);
        Assert.Single(await first.ClaimDueAsync(1, TempStore.T0, Lease, "crashed", None));

        await using var second = SqliteStateStore.Open(path, clock, null);
        await second.InitializeAsync(None);
        Assert.Empty(await second.ClaimDueAsync(1, TempStore.T0, Lease, "w", None));
        Assert.Equal(1, await second.RecoverAsync(None));

        var c = Assert.Single(await second.ClaimDueAsync(1, TempStore.T0, Lease, "w", None));
        GroupAssert.Equal(g, c.Group);
    }

    [Fact]
    public async Task Reopen_AfterDispose_EverythingKeptAndSchemaNotReapplied()
    {
        await using var t = await TempStore.CreateAsync();
        var g = Groups.Firing("A", "a1", TempStore.T0);
        await t.EnqueueAsync(g, TempStore.T0, "C");
        await t.Store.DisposeAsync();

        await using (var reopened = await t.OpenAnotherAsync(t.DatabasePath))
        {
            Assert.Single(await reopened.ClaimDueAsync(1, TempStore.T0, Lease, "w", None));
        }

        await using var again = await t.OpenAnotherAsync(t.DatabasePath);
        Assert.True((await again.EnqueueAsync(new NewGroup(g, "{}", ["C"], TempStore.T0.AddMinutes(1),
            DedupeKey.Compute(g), TimeSpan.FromMinutes(5)), None)).Duplicate);
        await using var c = new SqliteConnection($"Data Source={t.DatabasePath}");
        c.Open();
        Assert.Equal("1,2", Scalar(c, "SELECT group_concat(version) FROM schema_version"));
        Assert.Equal("wal", Scalar(c, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Initialize_NewerSchema_ClearErrorNamingTheVersions()
    {
        await using var t = await TempStore.CreateAsync();
        await t.Store.DisposeAsync();
        await using (var c = new SqliteConnection($"Data Source={t.DatabasePath};Pooling=False"))
        {
            c.Open();
            Scalar(c, "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 0)");
        }

        var store = SqliteStateStore.Open(t.DatabasePath, t.Clock, null);
        var ex = await Assert.ThrowsAsync<StateStoreException>(() => store.InitializeAsync(None));

        Assert.Contains("schema version 99", ex.Message);
        Assert.Contains("newer Promoter", ex.Message);
    }

    [Fact]
    public async Task Initialize_SecondProcessOnSameFile_RefusedUntilFirstExits()
    {
        await using var t = await TempStore.CreateAsync();
        var options = new SqliteStateStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(300) };
        await using var second = SqliteStateStore.Open(t.DatabasePath, TimeProvider.System, null, options);

        var ex = await Assert.ThrowsAsync<StateStoreException>(() => second.InitializeAsync(None));
        Assert.Contains("in use by another Promoter process", ex.Message);
        Assert.Contains("state.db.lock", ex.Message);

        await t.Store.DisposeAsync();
        await second.InitializeAsync(None);
        Assert.Equal(0, (await second.GetQueueStatsAsync(TempStore.T0, None)).Pending);
    }

    [Fact]
    public async Task Initialize_FirstExitsWhileSecondWaits_SecondStarts()
    {
        await using var t = await TempStore.CreateAsync();
        await using var second = SqliteStateStore.Open(t.DatabasePath, TimeProvider.System, null,
            new SqliteStateStoreOptions { BusyTimeout = TimeSpan.FromSeconds(20) });

        var starting = second.InitializeAsync(None);
        await Task.Delay(300);
        Assert.False(starting.IsCompleted);
        await t.Store.DisposeAsync();

        await starting;
    }

    [Fact]
    public async Task Initialize_NotADatabase_ClearError()
    {
        var path = Path.Combine(TestPaths.NewTempDirectory("promoter-state"), "state.db");
        await File.WriteAllTextAsync(path, "receivers:\n  - name: ops\n" + new string('#', 4096));
        await using var store = SqliteStateStore.Open(path, TimeProvider.System, null);

        var ex = await Assert.ThrowsAsync<StateStoreException>(() => store.InitializeAsync(None));

        Assert.Contains(path, ex.Message);
        Assert.Contains("not a SQLite database", ex.Message);
    }

    [Fact]
    public async Task Initialize_FolderMissing_Created()
    {
        var path = Path.Combine(TestPaths.NewTempDirectory("promoter-state"), "a", "b", "state.db");
        await using var store = SqliteStateStore.Open(path, TimeProvider.System, null);

        await store.InitializeAsync(None);

        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Enqueue_BeforeInitialize_TellsToInitialize()
    {
        var path = Path.Combine(TestPaths.NewTempDirectory("promoter-state"), "state.db");
        await using var store = SqliteStateStore.Open(path, TimeProvider.System, null);
        var g = Groups.Firing("A", "a1", TempStore.T0);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnqueueAsync(
            new NewGroup(g, "{}", ["C"], TempStore.T0, DedupeKey.Compute(g), TimeSpan.Zero), None));

        Assert.Contains("InitializeAsync", ex.Message);
    }

    [Fact]
    public async Task Enqueue_DatabaseLockedByAnotherProgram_StateStoreExceptionNotHang()
    {
        await using var t = await TempStore.CreateAsync(new SqliteStateStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(200) });
        await using var other = new SqliteConnection($"Data Source={t.DatabasePath};Pooling=False");
        other.Open();
        Scalar(other, "BEGIN IMMEDIATE");

        var ex = await Assert.ThrowsAsync<StateStoreException>(() =>
            t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C"));

        Assert.Contains("locked", ex.Message);
        Scalar(other, "ROLLBACK");
        Assert.False((await t.EnqueueAsync(Groups.Firing("A", "a1", TempStore.T0), TempStore.T0, "C")).Duplicate);
    }

    [Fact]
    public async Task Enqueue_ManyCommits_BackgroundCheckpointMovesWalIntoDatabase()
    {
        // SQLite's automatic checkpoint is only a backstop at 10000 pages; without the background checkpoint
        // the main file would not grow while the store is open.
        await using var t = await TempStore.CreateAsync(new SqliteStateStoreOptions { Durability = SqliteDurability.Normal });
        var initial = new FileInfo(t.DatabasePath).Length;
        for (var i = 0; i < 100; i++)
        {
            await t.EnqueueAsync(Groups.Firing("A" + i, "f" + i, TempStore.T0), TempStore.T0, "C");
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(t.DatabasePath).Length <= initial && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(new FileInfo(t.DatabasePath).Length > initial, "no checkpoint happened while the store was open");
    }

    private static string? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
