using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Promoter.State;
using Promoter.Host.Runtime;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Draws a group's charts as soon as the group is queued, in parallel with other groups, instead of when its
/// first delivery's turn comes, so that the send is not held up by drawing. Best effort: when the queue is full,
/// the process restarts or a rate-limited channel will not send the group soon, the delivery draws the charts
/// itself (the same per-group gate keeps it to once).
/// </summary>
/// <remarks>
/// The queue holds group ids only; the group is read back from the state store when its turn comes. A flood of
/// a thousand webhooks thus waits on disk, not as a thousand parsed groups that would outlive several
/// collections and be promoted to the older generations of the managed heap (measured in bench/EndToEnd).
/// </remarks>
internal sealed partial class RenderAhead(ChartStage charts, IAlertHistory store, RuntimeHolder runtimes,
    ChannelPacing pacing, TimeProvider time, ILogger<RenderAhead> logger) : BackgroundService
{
    // Bounded: beyond this many waiting groups, deliveries render on demand. The route is one shared object per
    // receiver and configuration, so an entry costs a few bytes.
    private readonly Channel<(long GroupId, DeliveryRoute Route)> _queue =
        Channel.CreateBounded<(long, DeliveryRoute)>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Enqueue(long groupId, DeliveryRoute route)
    {
        if (route.Draws)
        {
            _queue.Writer.TryWrite((groupId, route));
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Math.Max(1, Math.Min(runtimes.Current.Settings.Delivery.Workers, Environment.ProcessorCount));
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (groupId, route) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (!SendsSoon(route))
                {
                    continue;
                }

                try
                {
                    // GetAsync returns at once when a delivery that came first has drawn the charts already.
                    if (await store.GetGroupAsync(groupId, stoppingToken) is not { } group)
                    {
                        continue;
                    }

                    await charts.GetAsync(groupId, group, route, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The delivery will try again on its own; rendering failures are already notes.
                    LogRenderAheadFailed(logger, groupId, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>
    /// Whether a channel of the route may send this group within its next rate window. A robot's backlog in a storm
    /// sends most groups much later, or only as a line of a digest that charts five of them; drawing every group's
    /// charts up front would spend the CPU and hold the memory of a thousand renders at once for charts that are
    /// mostly never shown. Such a group's delivery draws on demand when its slot comes, and at most one window's worth
    /// of sends per channel (DingTalk: 20) is drawn ahead.
    /// </summary>
    private bool SendsSoon(DeliveryRoute route)
    {
        var now = time.GetUtcNow();
        foreach (var channel in route.Channels)
        {
            if (channel.Channel.RateLimit is not { } limit)
            {
                return true;
            }

            var schedule = pacing.For(channel.Name, limit);
            if (!schedule.Overflowing && schedule.Next(now) - now <= limit.Per)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rendering ahead for group {GroupId} failed: {Error}; its delivery renders on demand")]
    private static partial void LogRenderAheadFailed(ILogger logger, long groupId, string error);
}
