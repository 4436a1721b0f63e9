using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Host.Metrics;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Sends what the webhook queued. Claims due deliveries from the state store (which hands out only the
/// oldest unfinished delivery of each channel, so a channel sees groups in arrival order), renders the
/// group's charts once, sends through the channel and records the outcome: success, a later retry, or a
/// final failure. Different channels proceed in parallel, bounded by <c>delivery.workers</c>.
/// </summary>
internal sealed partial class OutboxDispatcher(
    IStateStore store,
    RuntimeHolder runtimes,
    GroupImageRenderer images,
    IntakeSignal signal,
    PromoterMetrics metrics,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    /// <summary>How long one attempt may take, including a channel's wait for its rate limiter.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A lease longer than any attempt, so that a live worker never loses its delivery.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(500);

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly Random _random = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recovered = await store.RecoverAsync(stoppingToken);
        if (recovered > 0)
        {
            LogRecovered(logger, recovered);
        }

        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            var wake = signal.NextAsync(); // taken before looking, so that work queued meanwhile wakes us
            var workers = runtimes.Current.Settings.Delivery.Workers;
            var free = workers - running.Count;
            IReadOnlyList<ClaimedDelivery> claimed = [];
            if (free > 0)
            {
                try
                {
                    claimed = await store.ClaimDueAsync(free, time.GetUtcNow(), Lease, _owner, stoppingToken);
                }
                catch (StateStoreException e)
                {
                    LogClaimFailed(logger, e.Message);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            foreach (var d in claimed)
            {
                running.Add(Task.Run(() => ProcessAsync(d, stoppingToken), CancellationToken.None));
            }

            if (claimed.Count > 0 && claimed.Count < free)
            {
                continue; // there may be more due work: look again at once
            }

            // Nothing due, or every worker busy: wait for new work, a finished delivery (which frees a worker
            // and may unblock the next delivery of its channel), or the poll (retries that come due).
            var finished = running.Count > 0 ? Task.WhenAny(running) : Task.Delay(Timeout.Infinite, stoppingToken);
            try
            {
                await Task.WhenAny(wake, finished, Task.Delay(IdlePoll, time, stoppingToken));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        try
        {
            await store.ReleaseLeasesAsync(_owner, CancellationToken.None);
        }
        catch (StateStoreException)
        {
            // Leases expire by themselves.
        }
    }

    internal async Task ProcessAsync(ClaimedDelivery d, CancellationToken stoppingToken)
    {
        var runtime = runtimes.Current;
        var attempt = d.Attempts + 1;
        try
        {
            if (!runtime.Channels.TryGetValue(d.Channel, out var channel))
            {
                await FinishFailedAsync(d, attempt, "Permanent",
                    $"channel '{d.Channel}' is no longer configured (removed by a reload)", runtime);
                return;
            }

            var route = runtime.FindReceiver(d.Receiver);
            var (imgs, notes) = await images.GetAsync(d.GroupId, d.Group, runtime, route, stoppingToken, channel.Channel);
            var notification = new Notification
            {
                // Row ids restart with a new database; the creation time keeps the id unique across them.
                DeliveryId = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{d.CreatedAt.ToUnixTimeMilliseconds():x}-{d.DeliveryId}"),
                Group = d.Group,
                Images = imgs,
                Notes = notes,
                Attempt = attempt,
                ResumeToken = d.ResumeToken,
                PreviousMessageId = string.IsNullOrEmpty(d.Group.GroupKey) ? null : await store.GetLastMessageIdAsync(d.Channel, d.Group.GroupKey, stoppingToken),
                CreatedAt = d.CreatedAt,
            };

            var result = await SendAsync(channel, notification, runtime, stoppingToken);
            var tags = new TagList { { "channel", d.Channel }, { "result", Label(result) } };
            metrics.DeliveryAttempts.Add(1, tags);
            var now = time.GetUtcNow();
            if (result.IsSuccess)
            {
                await store.MarkSucceededAsync(d.DeliveryId, attempt, result.MessageId, now, CancellationToken.None);
                metrics.Deliveries.Add(1, tags);
                LogDelivered(logger, d.Channel, d.Receiver, d.DeliveryId, attempt);
                return;
            }

            var message = runtime.Redactor.Redact(result.Message);
            var next = new RetryPolicy(runtime.Settings.Delivery).NextAttempt(result, attempt, d.FirstAttemptDeadlineBase, now, _random);
            if (next is { } at)
            {
                await store.RescheduleAsync(d.DeliveryId, attempt, at, $"{result.Failure}: {message}", result.ResumeToken, CancellationToken.None);
                LogRetrying(logger, d.Channel, d.DeliveryId, attempt, result.Failure.ToString()!, message, at);
                signal.Notify();
                return;
            }

            var reason = result.IsRetryable ? "DeadlineExceeded" : result.Failure.ToString()!;
            await FinishFailedAsync(d, attempt, reason,
                result.IsRetryable ? $"gave up after {attempt} attempt(s) (deadline {Abstractions.Configuration.DurationSyntax.Format(runtime.Settings.Delivery.Deadline)}): {message}" : message,
                runtime);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the lease is released and the delivery is picked up again on the next start.
        }
        catch (StateStoreException e)
        {
            LogStateFailed(logger, d.DeliveryId, e.Message);
        }
        catch (Exception e)
        {
            // A bug (ours or a plugin's) must not stop the dispatcher; the delivery is retried later.
            var message = runtime.Redactor.Redact($"{e.GetType().Name}: {e.Message}");
            LogUnexpected(logger, d.DeliveryId, message);
            try
            {
                await store.RescheduleAsync(d.DeliveryId, attempt, time.GetUtcNow() + runtime.Settings.Delivery.MaxBackoff, message, d.ResumeToken, CancellationToken.None);
            }
            catch (StateStoreException)
            {
                // The lease expires and the delivery is claimed again.
            }
        }
    }

    private async Task<DeliveryResult> SendAsync(ChannelInstance channel, Notification notification, PromoterRuntime runtime,
        CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(AttemptTimeout);
        try
        {
            return await channel.Channel.SendAsync(notification, timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return DeliveryResult.Transient($"the channel did not finish within {AttemptTimeout.TotalMinutes:0} minutes");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return DeliveryResult.Transient(runtime.Redactor.Redact($"the channel failed unexpectedly: {e.GetType().Name}: {e.Message}"));
        }
    }

    private async Task FinishFailedAsync(ClaimedDelivery d, int attempt, string reason, string message, PromoterRuntime runtime)
    {
        message = runtime.Redactor.Redact(message);
        await store.MarkFailedAsync(d.DeliveryId, attempt, reason, message, time.GetUtcNow(), CancellationToken.None);
        metrics.Deliveries.Add(1, new TagList { { "channel", d.Channel }, { "result", reason } });
        LogFailed(logger, d.Channel, d.Receiver, d.DeliveryId, attempt, reason, message);
    }

    private static string Label(DeliveryResult r) => r.IsSuccess ? "success" : r.Failure!.Value.ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {Count} delivery lease(s) left by a previous run; those deliveries continue now")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot claim deliveries from the state store: {Error}")]
    private static partial void LogClaimFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered to {Channel} (receiver {Receiver}, delivery {DeliveryId}, attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string channel, string receiver, long deliveryId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to {Channel} failed (attempt {Attempt}, {Reason}): {Error}; retrying at {NextAttempt:o}")]
    private static partial void LogRetrying(ILogger logger, string channel, long deliveryId, int attempt, string reason, string error, DateTimeOffset nextAttempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} to {Channel} (receiver {Receiver}) failed for good after {Attempt} attempt(s), {Reason}: {Error}")]
    private static partial void LogFailed(ILogger logger, string channel, string receiver, long deliveryId, int attempt, string reason, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId}: the state store failed: {Error}; the delivery is retried when its lease expires")]
    private static partial void LogStateFailed(ILogger logger, long deliveryId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId}: unexpected error {Error}; retrying later")]
    private static partial void LogUnexpected(ILogger logger, long deliveryId, string error);
}
