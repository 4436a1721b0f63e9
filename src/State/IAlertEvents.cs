namespace Promoter.State;

/// <summary>
/// The alert history read as a stream of events, for the events API, its Server-Sent Events stream, the
/// alert-quality report and the web page; plus the one write the page makes (re-send a failed delivery).
/// A role of <see cref="IStateStore"/> of its own, so that the outbox's consumers never see it.
/// </summary>
public interface IAlertEvents
{
    /// <summary>
    /// The notifications of alerts (one per alert per received group) with an id above
    /// <see cref="AlertEventQuery.After"/>, oldest first. Paging by id never skips or repeats a row, however many
    /// arrive meanwhile: ids only grow.
    /// </summary>
    Task<AlertEventPage> ReadEventsAsync(AlertEventQuery query, CancellationToken ct);

    /// <summary>The id of the newest event, or 0 when the history is empty (where a live stream starts).</summary>
    Task<long> GetLatestEventIdAsync(CancellationToken ct);

    /// <summary>Per alert name and receiver: how often it fired, for how long, how often it flapped, and what share
    /// of its deliveries failed, over the alerts notified in the query's range.</summary>
    Task<AlertQualityReport> GetQualityReportAsync(AlertQualityQuery query, CancellationToken ct);

    /// <summary>
    /// Puts a failed delivery back in the outbox as pending, due now, with no attempts made and its retry
    /// deadline counted from now; the dispatcher then sends it like a new one. The previous failure is kept in
    /// its last error.
    /// </summary>
    Task<RequeueOutcome> RequeueFailedDeliveryAsync(long deliveryId, DateTimeOffset now, CancellationToken ct);

    /// <summary>The groups most recently received for a receiver, newest first (the template playground's
    /// samples).</summary>
    Task<IReadOnlyList<GroupSummary>> GetRecentGroupsAsync(string receiver, int limit, CancellationToken ct);

    /// <summary>The webhook body of a group exactly as received, or null when the group is not kept.</summary>
    Task<string?> GetGroupPayloadAsync(long groupId, CancellationToken ct);
}

/// <param name="After">Only events with a larger id (the cursor; 0 from the start).</param>
/// <param name="Since">Only events received at or after this time.</param>
/// <param name="Until">Only events received before this time.</param>
/// <param name="Status">"firing" or "resolved".</param>
/// <param name="Limit">At most this many events (1–10000).</param>
public sealed record AlertEventQuery(long After = 0, DateTimeOffset? Since = null, DateTimeOffset? Until = null,
    string? Receiver = null, string? AlertName = null, string? Status = null, int Limit = 500);

/// <param name="Next">The cursor for the next page, or null when this page reached the end of the history.</param>
public sealed record AlertEventPage(IReadOnlyList<AlertEvent> Events, long? Next);

/// <summary>One notification of one alert: a change of state, or Alertmanager's repeat of the same state.</summary>
/// <param name="Id">The history row id: also the Server-Sent Events id a client resumes from.</param>
/// <param name="Repeat">Same receiver, status and startsAt as this alert's previous notification.</param>
/// <param name="EndsAt">Null while firing (Go's zero time).</param>
public sealed record AlertEvent(long Id, string Fingerprint, string AlertName, string Receiver, string Status,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt, DateTimeOffset? EndsAt, DateTimeOffset ReceivedAt, long GroupId, bool Repeat);

/// <param name="Since">Alerts notified at or after this time.</param>
/// <param name="Until">Alerts notified before this time.</param>
/// <param name="FlapGap">A firing that starts less than this after the same alert resolved counts as a flap.</param>
/// <param name="Now">The end of a firing still open.</param>
public sealed record AlertQualityQuery(DateTimeOffset Since, DateTimeOffset Until, TimeSpan FlapGap, DateTimeOffset Now);

/// <param name="Rows">Every alert name and receiver, most fired first.</param>
/// <param name="Noisiest">The ten rows with the most notifications.</param>
public sealed record AlertQualityReport(DateTimeOffset Since, DateTimeOffset Until, TimeSpan FlapGap,
    IReadOnlyList<AlertQualityRow> Rows, IReadOnlyList<AlertQualityRow> Noisiest);

/// <param name="Fired">Distinct firings (alert fingerprint and startsAt).</param>
/// <param name="Notifications">Notifications received for the alert name and receiver, repeats included.</param>
/// <param name="FiringSeconds">Firing time added up; a firing still open counts until now.</param>
/// <param name="MedianFiringSeconds">The median firing time of the resolved firings; null when none resolved.</param>
/// <param name="Flaps">Firings that started within the flap gap after the same alert resolved.</param>
/// <param name="Deliveries">Deliveries of the groups that carried the alert name to the receiver.</param>
/// <param name="FailedDeliveries">Of those, the ones that finally failed.</param>
/// <param name="FailedShare">FailedDeliveries / finished deliveries (0 when none finished).</param>
public sealed record AlertQualityRow(string AlertName, string Receiver, int Fired, int Notifications,
    double FiringSeconds, double? MedianFiringSeconds, int Flaps, int Deliveries, int FailedDeliveries,
    double FailedShare);

public enum RequeueOutcome
{
    Requeued,
    NotFound,
    NotFailed,
}

public sealed record GroupSummary(long GroupId, string Receiver, string Status, int Alerts, DateTimeOffset ReceivedAt,
    string GroupKey);
