namespace Promoter.State.Sqlite;

/// <summary>How hard SQLite works to keep a commit (PRAGMA synchronous), in WAL journal mode.</summary>
public enum SqliteDurability
{
    /// <summary>
    /// fsync of the WAL at every commit: a commit survives a process kill and a power loss. The default,
    /// because the webhook's 200 promises the group is kept.
    /// </summary>
    Full,

    /// <summary>
    /// No fsync at commit (only at checkpoints): a commit survives a process kill (it is in the OS page
    /// cache) but the last commits can be lost on power loss or a kernel crash.
    /// </summary>
    Normal,
}

public sealed record SqliteStateStoreOptions
{
    public SqliteDurability Durability { get; init; } = SqliteDurability.Full;

    /// <summary>How long a statement waits for a lock held by another connection (a sqlite3 shell, a backup).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Hold an exclusive lock file beside the database so that a second process cannot use it at the same
    /// time (its startup recovery would release the first one's leases and cause double sends). Only tests
    /// that simulate a crashed process inside one process turn it off.
    /// </summary>
    public bool SingleProcessLock { get; init; } = true;
}
