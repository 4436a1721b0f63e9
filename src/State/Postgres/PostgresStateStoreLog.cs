using Microsoft.Extensions.Logging;

namespace Promoter.State.Postgres;

internal static partial class PostgresStateStoreLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information,
        Message = "State database PostgreSQL {Database} ready: schema version {Version}")]
    public static partial void PostgresReady(this ILogger logger, string database, int version);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information,
        Message = "State database PostgreSQL {Database}: applied schema migration {Version} ({Description})")]
    public static partial void PostgresMigrated(this ILogger logger, string database, int version, string description);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug,
        Message = "Group for receiver {Receiver} is a resend of group {GroupId} received {Age} ago (maybe by another replica); not queued again")]
    public static partial void PostgresDuplicate(this ILogger logger, string receiver, long groupId, TimeSpan age);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning,
        Message = "Delivery {DeliveryId}: outcome {Outcome} ignored, the delivery is unknown or already finished (its lease ran out and another replica took it?)")]
    public static partial void PostgresStaleOutcome(this ILogger logger, long deliveryId, string outcome);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information,
        Message = "History retention: deleted {Count} finished groups received before {Cutoff}")]
    public static partial void PostgresPruned(this ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Error,
        Message = "Delivery {DeliveryId} failed without a send: its group cannot be read back ({Error}); was the row written by another program or version?")]
    public static partial void PostgresUnreadable(this ILogger logger, long deliveryId, string error);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning,
        Message = "State database PostgreSQL {Database}: could not renew this replica's delivery leases ({Error}); other replicas take its deliveries over if this lasts")]
    public static partial void HeartbeatFailed(this ILogger logger, string database, string error);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning,
        Message = "State database unreachable while trying to {Operation} ({Error}); trying again")]
    public static partial void OutcomeRetry(this ILogger logger, string operation, string error);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Debug,
        Message = "State database PostgreSQL {Database}: another replica is running history retention; skipped here")]
    public static partial void PruneBusy(this ILogger logger, string database);
}
