using Microsoft.Extensions.Logging;

namespace Promoter.Storage.AzureBlob;

internal static partial class AzureBlobStoreLog
{
    [LoggerMessage(EventId = 6300, Level = LogLevel.Debug, Message = "Store {Store}: uploaded {Blob} ({Bytes} bytes)")]
    public static partial void Uploaded(ILogger logger, string store, string blob, int bytes);

    [LoggerMessage(EventId = 6301, Level = LogLevel.Debug, Message = "Store {Store}: {Blob} already in the container")]
    public static partial void AlreadyStored(ILogger logger, string store, string blob);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Warning, Message = "Store {Store}: refused an image: {Reason}")]
    public static partial void Rejected(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 6303, Level = LogLevel.Error, Message = "Store {Store}: {Reason}")]
    public static partial void Failed(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 6304, Level = LogLevel.Information, Message = "Store {Store}: retention removed {Count} images stored before {Cutoff:o}")]
    public static partial void Swept(ILogger logger, string store, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 6305, Level = LogLevel.Warning, Message = "Store {Store}: retention sweep failed: {Reason}")]
    public static partial void SweepFailed(ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 6306, Level = LogLevel.Information, Message = "Store {Store}: created container {Container}")]
    public static partial void ContainerCreated(ILogger logger, string store, string container);
}
