using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Host.Metrics;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Sends what the webhook queued. Claims due deliveries from the state store (which hands out only the oldest
/// unfinished notification of each alert group to each channel, so a group's firing goes before its resolved while
/// different groups never wait for each other), takes the receiver's route resolved once per configuration, paces
/// rate-limited channels (merging a backlog into a storm digest), gets the group's charts from the chart stage, sends
/// through the channel and records the outcome: success, a later retry, or a final failure. At most
/// <c>delivery.workers</c> sends run at once.
/// </summary>
internal sealed partial class OutboxDispatcher(
    IOutbox store,
    IAlertHistory groups,
    RuntimeHolder runtimes,
    ChartStage chartStage,
    ChannelImages channelImages,
    ChannelPacing pacing,
    SharedChannelSlots sharedSlots,
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

    /// <summary>A slot this close is waited for by the channel's own pacer rather than put back in the outbox.</summary>
    private static readonly TimeSpan SendAhead = TimeSpan.FromSeconds(1);

    /// <summary>An overflowing delivery comes back just after the next reserved slot, whose sender takes it into its digest.</summary>
    private static readonly TimeSpan OverflowLag = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most notifications one digest merges. A larger backlog becomes several digests in successive slots; the bound
    /// keeps one claim and one message small. A 1,000-group storm thus becomes two digests.
    /// </summary>
    private const int MaxDigest = 500;

    /// <summary>
    /// Backlog claimed per round trip while a digest is assembled. The claim parses each member's group (a 10-alert
    /// group is a few KiB once parsed) and the digest keeps only a few fields of each alert, so at most this many
    /// parsed groups are alive at once. Claiming all 500 at once and holding them through the send added about
    /// 6 MiB to a storm's peak RSS per digest (bench/Storm).
    /// </summary>
    private const int DigestClaimChunk = 50;

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
            // claim → route → (pace) → charts → notification → send → outcome
            var route = runtime.RouteFor(d.Receiver) is { } r && r.Channel(d.Channel) is not null ? r : DeliveryRoute.Orphan(d.Receiver, d.Channel, runtime);
            if (route.Channel(d.Channel) is not { } channel)
            {
                await FinishFailedAsync([d], attempt, "Permanent", $"channel '{d.Channel}' is no longer configured (removed by a reload)", runtime);
                return;
            }

            var schedule = channel.Channel.RateLimit is { } limit ? pacing.For(channel.Name, limit) : null;
            IReadOnlyList<ClaimedDelivery> members = [d];
            Notification notification;
            var pace = schedule is null ? Pace.Send : await PaceAsync(d, route, schedule, runtime);
            if (pace != Pace.Deferred && schedule is not null && sharedSlots.Slots is { } shared
                && !await TakeSharedSlotAsync(d, schedule, shared, stoppingToken))
            {
                return;
            }

            switch (pace)
            {
                case Pace.Deferred:
                    return;
                case Pace.Digest:
                    var digest = new StormDigest();
                    members = await ClaimDigestAsync(d, digest, schedule!, stoppingToken);
                    notification = await DigestAsync(members, digest, route, channel, attempt, stoppingToken);
                    break;
                default:
                    var charts = await chartStage.GetAsync(d.GroupId, d.Group, route, stoppingToken);
                    notification = new Notification
                    {
                        DeliveryId = DeliveryKey(d),
                        Group = d.Group,
                        Images = await channelImages.ForChannelAsync(d.GroupId, charts, route, channel.Channel, stoppingToken),
                        Notes = charts.Notes,
                        Attempt = attempt,
                        ResumeToken = d.ResumeToken,
                        PreviousMessageId = string.IsNullOrEmpty(d.Group.GroupKey) ? null : await store.GetLastMessageIdAsync(d.Channel, d.Group.GroupKey, stoppingToken),
                        CreatedAt = d.CreatedAt,
                    };
                    break;
            }

            if (schedule?.BeginSend(d.DeliveryId, time.GetUtcNow()) is { } early && early > TimeSpan.Zero)
            {
                await Task.Delay(early, time, stoppingToken); // the plan ran a little ahead of the sends it follows
            }

            // Replicas: the same check against the moments every replica's sends really began (the robot counts those).
            if (schedule is not null && sharedSlots.Slots is { } sharedSend
                && await sharedSend.BeginSendAsync(d.Channel, d.DeliveryId, schedule.Limit.Messages, schedule.Limit.Per, time.GetUtcNow(), stoppingToken) is { } wait
                && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, stoppingToken);
            }

            var result = await SendAsync(channel, notification, runtime, stoppingToken);
            await RecordAsync(members, notification, result, attempt, runtime);
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

    /// <summary>
    /// Replicas on PostgreSQL: the channel's limit is the robot's, so the send also takes a slot in the database that
    /// every replica reserves from (this process's plan only knows its own sends). A slot within
    /// <see cref="SendAhead"/> is waited for; a later one puts the delivery back in the outbox until then, and the slot
    /// stays its own when it comes back.
    /// </summary>
    /// <returns>False when the delivery was deferred.</returns>
    private async Task<bool> TakeSharedSlotAsync(ClaimedDelivery d, SlotSchedule schedule, IChannelSlots shared,
        CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var slot = await shared.ReserveSlotAsync(d.Channel, d.DeliveryId, schedule.Limit.Messages, schedule.Limit.Per, now, stoppingToken);
        if (slot > now + SendAhead)
        {
            await store.DeferAsync(d.DeliveryId, slot, CancellationToken.None);
            return false;
        }

        if (slot > now)
        {
            await Task.Delay(slot - now, time, stoppingToken);
        }

        return true;
    }

    /// <summary>How a delivery to a rate-limited channel proceeds.</summary>
    private enum Pace
    {
        /// <summary>Its slot is now: send it.</summary>
        Send,

        /// <summary>Put back in the outbox until its slot; no worker waits for it.</summary>
        Deferred,

        /// <summary>The backlog would make it wait longer than digest_after: send it with the backlog as one digest.</summary>
        Digest,
    }

    /// <summary>
    /// Plans a delivery to a rate-limited channel. A slot within <c>digest_after</c> (and before the deadline) is
    /// reserved and the delivery waits for it in the outbox. Beyond that the channel is overflowing: the delivery
    /// waits for the channel's next reserved slot, and whoever sends in that slot takes the whole backlog with it as
    /// one digest. With digests off the backlog drains in order, and what cannot go before its deadline fails visibly.
    /// </summary>
    private async Task<Pace> PaceAsync(ClaimedDelivery d, DeliveryRoute route, SlotSchedule schedule, PromoterRuntime runtime)
    {
        var now = time.GetUtcNow();
        var deadline = d.FirstAttemptDeadlineBase + runtime.Settings.Delivery.Deadline;
        if (schedule.ReservationOf(d.DeliveryId) is { } reserved)
        {
            if (reserved > now + SendAhead)
            {
                await store.DeferAsync(d.DeliveryId, reserved, CancellationToken.None);
                return Pace.Deferred;
            }

            if (schedule.Overflowing && route.Receiver.DigestAfter is not null)
            {
                schedule.Overflowing = false;
                return Pace.Digest;
            }

            return Pace.Send;
        }

        var slot = schedule.Next(now);
        if (slot <= now + SendAhead)
        {
            schedule.Reserve(d.DeliveryId, now);
            return schedule.Overflowing && route.Receiver.DigestAfter is not null ? TakeOverflow(schedule) : Pace.Send;
        }

        if (route.Receiver.DigestAfter is not { } digestAfter)
        {
            if (slot > deadline)
            {
                await FinishFailedAsync([d], d.Attempts, "DeadlineExceeded",
                    $"the channel's rate limit ({schedule.Limit.Messages} per {DurationSyntax.Format(schedule.Limit.Per)}) would send it after its deadline; turn on digest_after so a backlog is merged instead", runtime);
                return Pace.Deferred;
            }

            await store.DeferAsync(d.DeliveryId, schedule.Reserve(d.DeliveryId, now), CancellationToken.None);
            return Pace.Deferred;
        }

        if (slot - now <= digestAfter && slot <= deadline)
        {
            await store.DeferAsync(d.DeliveryId, schedule.Reserve(d.DeliveryId, now), CancellationToken.None);
            return Pace.Deferred;
        }

        // Overflowing: wait (unreserved) for the next reserved slot, whose sender takes this one into its digest.
        schedule.Overflowing = true;
        var next = schedule.EarliestReservation() ?? slot;
        await store.DeferAsync(d.DeliveryId, (next > now ? next : now) + OverflowLag, CancellationToken.None);
        LogOverflow(logger, d.Channel, d.DeliveryId, (slot - now).TotalSeconds);
        return Pace.Deferred;
    }

    private static Pace TakeOverflow(SlotSchedule schedule)
    {
        schedule.Overflowing = false;
        return Pace.Digest;
    }

    /// <summary>
    /// Claims the channel's backlog for a digest, <see cref="DigestClaimChunk"/> notifications at a time, and folds each
    /// into <paramref name="digest"/> as it comes: the members keep their delivery fields, not their groups.
    /// </summary>
    private async Task<List<ClaimedDelivery>> ClaimDigestAsync(ClaimedDelivery first, StormDigest digest, SlotSchedule schedule,
        CancellationToken stoppingToken)
    {
        digest.Add(first);
        var members = new List<ClaimedDelivery> { first };
        while (members.Count < MaxDigest)
        {
            var chunk = Math.Min(DigestClaimChunk, MaxDigest - members.Count);
            var claimed = await store.ClaimBacklogAsync(first.Channel, chunk, time.GetUtcNow(), Lease, _owner, stoppingToken);
            foreach (var m in claimed)
            {
                schedule.Release(m.DeliveryId); // their slots are free again; the digest uses this one's
                digest.Add(m);
                members.Add(m with { Group = StormDigest.Folded });
            }

            if (claimed.Count < chunk)
            {
                break;
            }
        }

        return members;
    }

    /// <summary>One digest notification for a channel's backlog: the worst alerts in full with their charts, the rest listed.</summary>
    private async Task<Notification> DigestAsync(IReadOnlyList<ClaimedDelivery> members, StormDigest digest, DeliveryRoute route,
        ChannelInstance channel, int attempt, CancellationToken stoppingToken)
    {
        var built = await digest.BuildAsync(route.Name, route.Runtime.Settings.PublicUrl, groups.GetGroupAsync, stoppingToken);
        var rendered = new List<StoredGroupImage>();
        var budget = route.Receiver.MaxCharts;
        var omitted = 0;
        foreach (var byGroup in built.Shown.Select((m, i) => (m, i)).GroupBy(x => x.m.GroupId))
        {
            var charts = await chartStage.GetForAlertsAsync(byGroup.Key, built.Groups[byGroup.Key],
                byGroup.Select(x => x.m.AlertIndex).ToHashSet(), route, stoppingToken);
            foreach (var (member, index) in byGroup)
            {
                foreach (var image in charts.Where(i => i.AlertIndex == member.AlertIndex))
                {
                    if (rendered.Count < budget)
                    {
                        rendered.Add(image with { AlertIndex = index });
                    }
                    else
                    {
                        omitted++;
                    }
                }
            }
        }

        rendered.Sort((a, b) => a.AlertIndex.CompareTo(b.AlertIndex));
        var images = await channelImages.ForChannelAsync(-1, new RenderedGroup(rendered, [], time.GetUtcNow()), route, channel.Channel, stoppingToken);
        metrics.Digests.Add(1, new TagList { { "channel", channel.Name } });
        LogDigest(logger, channel.Name, members.Count, built.Digest.Alerts);
        return new Notification
        {
            DeliveryId = DeliveryKey(members[0]) + "-digest",
            Group = built.Group,
            Images = images,
            Attempt = attempt,
            CreatedAt = members[0].CreatedAt,
            Digest = built.Digest with { ChartsOmitted = omitted },
        };
    }

    /// <summary>Records the outcome for every delivery the message carried: success, a later retry, or a final failure.</summary>
    private async Task RecordAsync(IReadOnlyList<ClaimedDelivery> members, Notification notification, DeliveryResult result, int attempt,
        PromoterRuntime runtime)
    {
        var d = members[0];
        var tags = new TagList { { "channel", d.Channel }, { "result", Label(result) } };
        metrics.DeliveryAttempts.Add(1, tags);
        var now = time.GetUtcNow();
        if (result.IsSuccess)
        {
            if (notification.Digest is { } digest)
            {
                await store.MarkSentTogetherAsync(members.Select(m => m.DeliveryId).ToList(),
                    $"sent in a storm digest of {digest.Notifications} notifications ({digest.Alerts} alerts) with delivery {d.DeliveryId}", now, CancellationToken.None);
            }
            else
            {
                await store.MarkSucceededAsync(d.DeliveryId, attempt, result.MessageId, now, CancellationToken.None);
            }

            metrics.Deliveries.Add(members.Count, tags);
            LogDelivered(logger, d.Channel, d.Receiver, d.DeliveryId, attempt);
            return;
        }

        var message = runtime.Redactor.Redact(result.Message);
        var next = new RetryPolicy(runtime.Settings.Delivery).NextAttempt(result, attempt, d.FirstAttemptDeadlineBase, now, _random);
        if (next is { } at)
        {
            foreach (var m in members)
            {
                await store.RescheduleAsync(m.DeliveryId, m.Attempts + 1, at, $"{result.Failure}: {message}", m == d ? result.ResumeToken : m.ResumeToken, CancellationToken.None);
            }

            LogRetrying(logger, d.Channel, d.DeliveryId, attempt, result.Failure.ToString()!, message, at);
            signal.Notify();
            return;
        }

        var reason = result.IsRetryable ? "DeadlineExceeded" : result.Failure.ToString()!;
        await FinishFailedAsync(members, attempt, reason,
            result.IsRetryable ? $"gave up after {attempt} attempt(s) (deadline {DurationSyntax.Format(runtime.Settings.Delivery.Deadline)}): {message}" : message,
            runtime);
    }

    /// <summary>Row ids restart with a new database; the creation time keeps the id unique across them.</summary>
    private static string DeliveryKey(ClaimedDelivery d) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{d.CreatedAt.ToUnixTimeMilliseconds():x}-{d.DeliveryId}");

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

    private async Task FinishFailedAsync(IReadOnlyList<ClaimedDelivery> members, int attempt, string reason, string message, PromoterRuntime runtime)
    {
        message = runtime.Redactor.Redact(message);
        foreach (var d in members)
        {
            await store.MarkFailedAsync(d.DeliveryId, Math.Max(attempt, d.Attempts), reason, message, time.GetUtcNow(), CancellationToken.None);
            metrics.Deliveries.Add(1, new TagList { { "channel", d.Channel }, { "result", reason } });
            LogFailed(logger, d.Channel, d.Receiver, d.DeliveryId, attempt, reason, message);
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Channel {Channel} is behind: delivery {DeliveryId} would wait {Seconds:0}s for a slot; it goes out in the next digest")]
    private static partial void LogOverflow(ILogger logger, string channel, long deliveryId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storm digest to {Channel}: {Notifications} queued notifications ({Alerts} alerts) merged into one message")]
    private static partial void LogDigest(ILogger logger, string channel, int notifications, int alerts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId}: unexpected error {Error}; retrying later")]
    private static partial void LogUnexpected(ILogger logger, long deliveryId, string error);
}
