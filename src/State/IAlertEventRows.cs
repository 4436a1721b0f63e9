namespace Promoter.State;

/// <summary>
/// Optional, beside <see cref="IAlertEvents"/>: the same events with labels and annotations as the JSON text the
/// store keeps. A complete export (a million rows of CSV or NDJSON) copies that text instead of parsing every row
/// into dictionaries and writing them out again; a store without it is exported through
/// <see cref="IAlertEvents.ReadEventsAsync"/>.
/// </summary>
public interface IAlertEventRows
{
    /// <summary>
    /// The page <see cref="IAlertEvents.ReadEventsAsync"/> would return for <paramref name="query"/>, each row handed
    /// to <paramref name="row"/> as it is read (nothing is collected); returns the cursor for the next page, or null
    /// when this page reached the end of the history.
    /// </summary>
    Task<long?> ReadEventRowsAsync(AlertEventQuery query, Action<AlertEventRow> row, CancellationToken ct);
}

/// <summary>An <see cref="AlertEvent"/> whose labels and annotations are JSON objects as stored.</summary>
public readonly record struct AlertEventRow(long Id, string Fingerprint, string AlertName, string Receiver, string Status,
    string LabelsJson, string AnnotationsJson, DateTimeOffset StartsAt, DateTimeOffset? EndsAt, DateTimeOffset ReceivedAt,
    long GroupId, bool Repeat);
