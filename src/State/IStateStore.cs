using Promoter.Abstractions.Model;

namespace Promoter.State;

/// <summary>
/// The durable state behind the delivery promise, as one object playing every role: the outbox
/// (<see cref="IOutbox"/>), the rendered charts (<see cref="IRenderedCharts"/>), the alert history
/// (<see cref="IAlertHistory"/>, and <see cref="IAlertEvents"/> read as events). Consumers take only the role they
/// use; the host registers the one store under each. All times are stored in UTC with millisecond precision,
/// except the alerts' own startsAt/endsAt, which keep the offset they arrived with.
/// </summary>
public interface IStateStore : IOutbox, IRenderedCharts, IAlertHistory, IAlertEvents, IAsyncDisposable
{
    /// <summary>Creates or migrates the schema and sets the journal mode. Call once before anything else.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>
    /// Whether the store can be used right now (readiness): a round trip to a database server, or for an embedded
    /// file true once initialised. Never throws; the reason comes back as text.
    /// </summary>
    Task<StoreHealth> CheckHealthAsync(CancellationToken ct);
}

/// <param name="Problem">Why the store cannot be used, without secrets; null when healthy.</param>
public sealed record StoreHealth(bool Healthy, string? Problem);

/// <summary>
/// The outbox: once the webhook answers 200, the group and one delivery per channel are stored; workers claim due
/// deliveries, record outcomes, reschedule or defer them.
/// </summary>
public interface IOutbox
{
    /// <summary>
    /// Clears the leases no live worker can hold. Call on startup before any worker runs. The SQLite store clears
    /// every lease (one process owns the file, so no earlier worker is alive); the PostgreSQL store clears none, since
    /// other replicas may be working: a dead replica's leases run out by themselves.
    /// </summary>
    /// <returns>How many leases were cleared.</returns>
    Task<int> RecoverAsync(CancellationToken ct);

    /// <summary>Releases the leases of one worker (graceful shutdown); its deliveries keep their attempts.</summary>
    Task<int> ReleaseLeasesAsync(string owner, CancellationToken ct);

    /// <summary>
    /// In one transaction: the dedupe check, then the group, one pending delivery per distinct channel (due at
    /// <see cref="NewGroup.ReceivedAt"/>) and one history row per alert. When a group with the same dedupe key was
    /// received less than <see cref="NewGroup.DedupeWindow"/> ago nothing is written and the earlier group's id
    /// is returned with <see cref="EnqueueResult.Duplicate"/> set.
    /// </summary>
    Task<EnqueueResult> EnqueueAsync(NewGroup group, CancellationToken ct);

    /// <summary>
    /// Leases at most <paramref name="max"/> deliveries that are pending, due, not leased (or whose lease ran out)
    /// and are the oldest unfinished delivery of their alert group (group key) to their channel — a later
    /// notification of a group is never handed out while an earlier one of it to the same channel is unfinished,
    /// so a channel sees each group's firing before its resolved; different groups never wait for each other.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, DateTimeOffset now, TimeSpan lease, string owner,
        CancellationToken ct);

    /// <summary>Final success. Ignored (and logged) when the delivery is already finished.</summary>
    Task MarkSucceededAsync(long deliveryId, int attempts, string? messageId, DateTimeOffset at, CancellationToken ct);

    /// <summary>Final failure: the delivery is done and the reason kept. Ignored when already finished.</summary>
    Task MarkFailedAsync(long deliveryId, int attempts, string reason, string error, DateTimeOffset at,
        CancellationToken ct);

    /// <summary>Another attempt later: releases the lease and keeps the channel's resume token.</summary>
    Task RescheduleAsync(long deliveryId, int attempts, DateTimeOffset nextAttemptAt, string error,
        string? resumeToken, CancellationToken ct);

    /// <summary>
    /// Postpones a claimed delivery to <paramref name="until"/> without counting an attempt or touching its error (a
    /// rate-limited channel's next free slot): releases the lease.
    /// </summary>
    Task DeferAsync(long deliveryId, DateTimeOffset until, CancellationToken ct);

    /// <summary>
    /// Leases up to <paramref name="max"/> pending deliveries of one channel that no worker holds, due or not (a storm
    /// digest takes a channel's whole backlog), oldest first. A delivery whose group has an earlier delivery to the
    /// channel in flight (leased) is left alone, so a group's resolved never overtakes its firing.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimBacklogAsync(string channel, int max, DateTimeOffset now, TimeSpan lease,
        string owner, CancellationToken ct);

    /// <summary>Final success of deliveries that went out together in another message (a digest); the note says which.</summary>
    Task MarkSentTogetherAsync(IReadOnlyList<long> deliveryIds, string note, DateTimeOffset at, CancellationToken ct);

    /// <summary>The message id of the latest successful delivery to <paramref name="channel"/> for the group key
    /// (Slack updates and threads), or null.</summary>
    Task<string?> GetLastMessageIdAsync(string channel, string groupKey, CancellationToken ct);
    /// <summary>Counts of the outbox by state and channel, for metrics and the operations page.</summary>
    Task<QueueStats> GetQueueStatsAsync(DateTimeOffset now, CancellationToken ct);
}

/// <summary>The charts rendered for a group, saved once so that every channel shows the same ones.</summary>
public interface IRenderedCharts
{
    /// <summary>The images rendered for a group, or null when none were saved yet.</summary>
    Task<IReadOnlyList<StoredGroupImage>?> GetGroupImagesAsync(long groupId, CancellationToken ct);

    /// <summary>The images and rendering notes of a group, or null when none were saved yet.</summary>
    Task<RenderedGroup?> GetRenderedGroupAsync(long groupId, CancellationToken ct);

    /// <summary>
    /// Saves the images rendered for a group. The first save wins: a later call for the same group changes
    /// nothing, so every channel of a group shows the same charts even when two workers rendered at once.
    /// </summary>
    /// <returns>What is saved now: this call's images, or the earlier save that won.</returns>
    Task<RenderedGroup> SaveGroupImagesAsync(long groupId, IReadOnlyList<StoredGroupImage> images, IReadOnlyList<string> notes,
        CancellationToken ct);
}

/// <summary>The groups as accepted and every alert notification, kept until retention prunes them.</summary>
public interface IAlertHistory
{
    /// <summary>
    /// The group as accepted (with the receiver it was routed to), or null when no such group is kept or it cannot
    /// be read. Lets work queued in memory carry only the id, so a flood of webhooks is held once, on disk.
    /// </summary>
    Task<AlertGroup?> GetGroupAsync(long groupId, CancellationToken ct);

    /// <summary>The latest known state of each alert (per fingerprint and receiver), newest first.</summary>
    Task<IReadOnlyList<AlertRecord>> QueryAlertsAsync(AlertQuery query, CancellationToken ct);

    /// <summary>Every notification that carried the alert, in arrival order, with the deliveries of those groups;
    /// null when the fingerprint is unknown.</summary>
    Task<AlertHistory?> GetAlertHistoryAsync(string fingerprint, CancellationToken ct);

    /// <summary>
    /// Deletes groups received before <paramref name="olderThan"/> whose deliveries are all finished, with their
    /// deliveries and history. Unfinished work is never deleted, however old.
    /// </summary>
    /// <returns>How many groups were deleted.</returns>
    Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken ct);
}

/// <param name="Group">The parsed notification; stored so that it reads back exactly.</param>
/// <param name="RawPayload">The request body as received, kept for audits and replays.</param>
/// <param name="Channels">The receiver's channel instance names; duplicates are delivered once.</param>
/// <param name="DedupeKey">Usually <see cref="State.DedupeKey.Compute"/> of the group.</param>
/// <param name="DedupeWindow">How long an identical group counts as a resend (zero: never).</param>
public sealed record NewGroup(AlertGroup Group, string RawPayload, IReadOnlyList<string> Channels,
    DateTimeOffset ReceivedAt, string DedupeKey, TimeSpan DedupeWindow);

/// <param name="Duplicate">True when an identical group arrived within the window; <paramref name="GroupId"/>
/// is then the earlier group's and nothing was written.</param>
public sealed record EnqueueResult(long GroupId, bool Duplicate);

/// <param name="Attempts">Attempts made so far (0 on the first claim).</param>
/// <param name="ResumeToken">What the channel handed back on its last failed attempt.</param>
/// <param name="FirstAttemptDeadlineBase">When the delivery was created; retry deadlines count from here.</param>
public sealed record ClaimedDelivery(long DeliveryId, long GroupId, string Channel, string Receiver, AlertGroup Group,
    int Attempts, DateTimeOffset CreatedAt, string? ResumeToken, DateTimeOffset FirstAttemptDeadlineBase);

/// <param name="AlertIndex">Index of the alert in <see cref="AlertGroup.Alerts"/>.</param>
/// <param name="Key">The store's object key, when the image came from an image store.</param>
public sealed record StoredGroupImage(int AlertIndex, string Title, string? Url, bool IsPublic, string ContentType,
    int Width, int Height, string? Key);

/// <param name="Notes">Why some charts are missing (no expression, Prometheus down, …), shown to users.</param>
public sealed record RenderedGroup(IReadOnlyList<StoredGroupImage> Images, IReadOnlyList<string> Notes,
    DateTimeOffset SavedAt);

public enum DeliveryState
{
    Pending,
    Succeeded,
    Failed,
}

/// <param name="Status">"firing" or "resolved": the alert's latest status.</param>
/// <param name="Since">Only alerts notified at or after this time.</param>
/// <param name="Limit">At most this many records (1–10000).</param>
public sealed record AlertQuery(string? Status = null, string? Receiver = null, DateTimeOffset? Since = null,
    int Limit = 100);

/// <summary>The latest notification of one alert to one receiver.</summary>
/// <param name="EndsAt">Null while firing (Go's zero time).</param>
/// <param name="FirstReceivedAt">The first notification of this alert to this receiver still in the history.</param>
/// <param name="Notifications">How many notifications carried the alert to this receiver.</param>
public sealed record AlertRecord(string Fingerprint, string Receiver, string AlertName, string Status,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt, DateTimeOffset? EndsAt, string GeneratorUrl, DateTimeOffset LastReceivedAt,
    DateTimeOffset FirstReceivedAt, int Notifications, long LastGroupId, string GroupKey);

/// <param name="Labels">The labels of the latest notification.</param>
public sealed record AlertHistory(string Fingerprint, string AlertName, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<AlertStateChange> Changes, IReadOnlyList<DeliveryRecord> Deliveries);

/// <summary>One notification carrying the alert.</summary>
/// <param name="IsRepeat">Same receiver, status and startsAt as the previous notification: Alertmanager's
/// repeat, not a change of state.</param>
public sealed record AlertStateChange(long GroupId, string Receiver, string Status, DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt, DateTimeOffset ReceivedAt, IReadOnlyDictionary<string, string> Annotations,
    bool IsRepeat);

/// <param name="FailureReason">For a failed delivery: the reason recorded (Auth, InvalidRequest, …).</param>
/// <param name="LastError">The latest error, also for a pending delivery being retried.</param>
public sealed record DeliveryRecord(long DeliveryId, long GroupId, string Channel, string Receiver,
    DeliveryState State, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? FinishedAt, string? MessageId, string? FailureReason,
    string? LastError)
{
    /// <summary>How the delivery went out when not on its own, such as "sent in a storm digest of 37 notifications".</summary>
    public string? Note { get; init; }
}

/// <param name="Pending">Unfinished deliveries, leased or not.</param>
/// <param name="Due">Pending, due now and not leased (some may still wait behind an earlier delivery of their
/// channel).</param>
/// <param name="Leased">Pending and currently leased by a worker.</param>
/// <param name="OldestPendingAge">Zero when nothing is pending.</param>
public sealed record QueueStats(int Pending, int Due, int Leased, long Succeeded, long Failed,
    DateTimeOffset? OldestPendingCreatedAt, TimeSpan OldestPendingAge,
    IReadOnlyDictionary<string, int> PendingByChannel);

/// <summary>The state database cannot be used (unreadable, locked for too long, disk full, newer schema…).
/// The webhook answers 503 so that Alertmanager retries.</summary>
public sealed class StateStoreException : Exception
{
    public StateStoreException() { }
    public StateStoreException(string message) : base(message) { }
    public StateStoreException(string message, Exception inner) : base(message, inner) { }
}
