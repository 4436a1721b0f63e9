using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Storage;
using Promoter.Host.Runtime;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Deletes images older than each store's own <c>retention:</c>, for every store of the running
/// configuration that declares one. The host schedules it (hourly, in <see cref="MaintenanceService"/>), so a
/// store holds no timer of its own, and a store replaced by a reload is never swept again.
/// </summary>
internal static partial class ImageRetentionSweep
{
    public static async Task<int> RunAsync(PromoterRuntime runtime, DateTimeOffset now, Metrics.PromoterMetrics metrics, ILogger logger,
        CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var (name, store) in runtime.Stores)
        {
            if (store is not IImageRetention { Retention: { } retention } sweeper)
            {
                continue;
            }

            try
            {
                var removed = await sweeper.DeleteOlderThanAsync(now - retention, cancellationToken);
                total += removed;
                metrics.StoreDeleted.Add(removed, new KeyValuePair<string, object?>("store", name));
                if (removed > 0)
                {
                    LogSwept(logger, removed, name);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One unreachable bucket must not stop the other stores' sweeps; the next hour tries again.
                LogSweepFailed(logger, name, runtime.Redactor.Redact(e.Message));
            }
        }

        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Image retention removed {Count} image(s) from store {Store}")]
    private static partial void LogSwept(ILogger logger, int count, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image retention sweep of store {Store} failed: {Error}; trying again next hour")]
    private static partial void LogSweepFailed(ILogger logger, string store, string error);
}
