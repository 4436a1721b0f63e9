using System.Text;

namespace Promoter.State.Sqlite;

/// <summary>Events for complete exports: labels and annotations passed on as the stored JSON (<see cref="IAlertEventRows"/>).</summary>
public sealed partial class SqliteStateStore : IAlertEventRows
{
    public Task<long?> ReadEventRowsAsync(AlertEventQuery query, Action<AlertEventRow> row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(row);
        if (query.Status is not (null or "firing" or "resolved"))
        {
            throw new ArgumentException(
                $"Unknown alert status \"{query.Status}\": use \"firing\" or \"resolved\", or leave it out.",
                nameof(query));
        }

        var limit = Math.Clamp(query.Limit, 1, MaxQueryLimit);
        return ReadAsync<long?>("read event rows", c =>
        {
            // The same query as ReadEventsAsync (only the filters given, so the indexes apply), the same repeat probe.
            var where = new StringBuilder("h.id > $after");
            using var cmd = Command(c, null, "");
            cmd.Parameters.AddWithValue("$after", Math.Max(0, query.After));
            if (query.Since is { } since)
            {
                where.Append(" AND h.received_at >= $since");
                cmd.Parameters.AddWithValue("$since", ToMs(since));
            }

            if (query.Until is { } until)
            {
                where.Append(" AND h.received_at < $until");
                cmd.Parameters.AddWithValue("$until", ToMs(until));
            }

            if (query.Receiver is { } receiver)
            {
                where.Append(" AND h.receiver = $receiver");
                cmd.Parameters.AddWithValue("$receiver", receiver);
            }

            if (query.AlertName is { } name)
            {
                where.Append(" AND h.alert_name = $name");
                cmd.Parameters.AddWithValue("$name", name);
            }

            if (query.Status is { } wanted)
            {
                where.Append(" AND h.status = $status");
                cmd.Parameters.AddWithValue("$status", wanted);
            }

            cmd.CommandText = $"""
                SELECT h.id, h.fingerprint, h.alert_name, h.receiver, h.status, h.labels_json, h.annotations_json,
                       h.starts_at, h.ends_at, h.received_at, h.group_id,
                       (SELECT p.status || ' ' || p.starts_at FROM alert_history p
                        WHERE p.fingerprint = h.fingerprint AND p.receiver = h.receiver AND p.id < h.id
                        ORDER BY p.id DESC LIMIT 1)
                FROM alert_history h
                WHERE {where}
                ORDER BY h.id
                LIMIT $limit
                """;
            cmd.Parameters.AddWithValue("$limit", limit + 1);
            using var r = cmd.ExecuteReader();
            var count = 0;
            long last = 0;
            while (r.Read())
            {
                if (count == limit)
                {
                    return last;
                }

                var status = r.GetString(4);
                var startsAt = r.GetString(7);
                last = r.GetInt64(0);
                row(new AlertEventRow(
                    Id: last,
                    Fingerprint: r.GetString(1),
                    AlertName: r.GetString(2),
                    Receiver: r.GetString(3),
                    Status: status,
                    LabelsJson: r.GetString(5),
                    AnnotationsJson: r.GetString(6),
                    StartsAt: ParseTime(startsAt),
                    EndsAt: r.IsDBNull(8) ? null : ParseTime(r.GetString(8)),
                    ReceivedAt: FromMs(r.GetInt64(9)),
                    GroupId: r.GetInt64(10),
                    Repeat: !r.IsDBNull(11) && r.GetString(11) == status + " " + startsAt));
                count++;
            }

            return null;
        }, ct);
    }
}
