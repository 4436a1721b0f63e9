using Microsoft.Extensions.Logging;

namespace Promoter.Storage.S3;

internal static partial class S3StoreLog
{
    [LoggerMessage(EventId = 6200, Level = LogLevel.Debug, Message = "Store {Store}: uploaded {Key} ({Bytes} bytes)")]
    public static partial void Uploaded(ILogger logger, string store, string key, int bytes);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Debug, Message = "Store {Store}: {Key} already in the bucket")]
    public static partial void AlreadyStored(ILogger logger, string store, string key);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Store {Store}: refused an image: {Reason}")]
    public static partial void Rejected(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Error, Message = "Store {Store}: {Reason}")]
    public static partial void Failed(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Information, Message = "Store {Store}: retention removed {Count} images stored before {Cutoff:o}")]
    public static partial void Swept(ILogger logger, string store, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "Store {Store}: retention sweep failed: {Reason}")]
    public static partial void SweepFailed(ILogger logger, string store, string reason);
}
