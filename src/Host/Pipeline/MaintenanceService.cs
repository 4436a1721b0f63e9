using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Promoter.Host.Metrics;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Periodic housekeeping: queue figures for /metrics, history retention, and (hourly) the image stores'
/// retention (<see cref="ImageRetentionSweep"/>).
/// </summary>
internal sealed partial class MaintenanceService(IOutbox store, IAlertHistory history, RuntimeHolder runtimes, PromoterMetrics metrics,
    TimeProvider time, ILogger<MaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan QueueInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextPrune = time.GetUtcNow() + TimeSpan.FromMinutes(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                var stats = await store.GetQueueStatsAsync(now, stoppingToken);
                metrics.SetQueue(stats.Pending, stats.OldestPendingAge);
                if (now >= nextPrune)
                {
                    nextPrune = now + PruneInterval;
                    var runtime = runtimes.Current;
                    await ImageRetentionSweep.RunAsync(runtime, now, metrics, logger, stoppingToken);
                    var pruned = await history.PruneAsync(now - runtime.Settings.HistoryRetention, stoppingToken);
                    if (pruned > 0)
                    {
                        LogPruned(logger, pruned);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is StateStoreException or IOException)
            {
                LogMaintenanceFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(QueueInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "History retention removed {Count} old group(s)")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Maintenance failed: {Error}")]
    private static partial void LogMaintenanceFailed(ILogger logger, string error);
}
