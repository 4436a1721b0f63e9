using Microsoft.Extensions.Logging;

namespace Promoter.State.Sqlite;

internal static partial class StateStoreLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "State database {Path} ready: schema version {Version}, journal mode {JournalMode}, synchronous {Durability}")]
    public static partial void Ready(this ILogger logger, string path, int version, string journalMode,
        SqliteDurability durability);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "State database {Path}: applied schema migration {Version} ({Description})")]
    public static partial void Migrated(this ILogger logger, string path, int version, string description);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "State database {Path}: journal mode is {JournalMode}, not wal (a file system without shared memory?); readers will block the webhook's writes")]
    public static partial void NotWal(this ILogger logger, string path, string journalMode);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug,
        Message = "Group for receiver {Receiver} is a resend of group {GroupId} received {Age} ago; not queued again")]
    public static partial void Duplicate(this ILogger logger, string receiver, long groupId, TimeSpan age);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
        Message = "Released {Count} delivery leases left by an earlier run")]
    public static partial void LeasesRecovered(this ILogger logger, int count);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "Delivery {DeliveryId}: outcome {Outcome} ignored, the delivery is unknown or already finished (its lease ran out and another worker took it?)")]
    public static partial void StaleOutcome(this ILogger logger, long deliveryId, string outcome);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information,
        Message = "History retention: deleted {Count} finished groups received before {Cutoff}")]
    public static partial void Pruned(this ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning,
        Message = "State database {Path}: background checkpoint failed ({Error}); SQLite's own checkpoint keeps the WAL bounded")]
    public static partial void CheckpointFailed(this ILogger logger, string path, string error);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error,
        Message = "Delivery {DeliveryId} failed without a send: its group cannot be read back ({Error}); was the row written by another program or version?")]
    public static partial void Unreadable(this ILogger logger, long deliveryId, string error);
}
