using Microsoft.Extensions.Logging;

namespace Promoter.Storage.LocalNginx;

internal static partial class LocalStoreLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Debug, Message = "Store {Store}: wrote {File} ({Bytes} bytes)")]
    public static partial void Written(ILogger logger, string store, string file, int bytes);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Debug, Message = "Store {Store}: {File} already stored")]
    public static partial void AlreadyStored(ILogger logger, string store, string file);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Store {Store}: refused an image: {Reason}")]
    public static partial void Rejected(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Error, Message = "Store {Store}: cannot write into {Directory}: {Reason}")]
    public static partial void WriteFailed(ILogger logger, string store, string directory, string reason);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Information, Message = "Store {Store}: retention removed {Count} images older than {Cutoff:o}")]
    public static partial void Swept(ILogger logger, string store, int count, DateTimeOffset cutoff);

}
