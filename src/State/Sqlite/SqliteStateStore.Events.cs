using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Promoter.State.Sqlite;

/// <summary>The history as events, the alert-quality report and the page's re-send (see <see cref="IAlertEvents"/>).</summary>
public sealed partial class SqliteStateStore : IAlertEvents
{
    public Task<AlertEventPage> ReadEventsAsync(AlertEventQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Status is not (null or "firing" or "resolved"))
        {
            throw new ArgumentException(
                $"Unknown alert status \"{query.Status}\": use \"firing\" or \"resolved\", or leave it out.",
                nameof(query));
        }

        var limit = Math.Clamp(query.Limit, 1, MaxQueryLimit);
        return ReadAsync("read events", c =>
        {
            using var cmd = EventsCommand(c, query, limit);
            using var r = cmd.ExecuteReader();
            var events = new List<AlertEvent>(Math.Min(limit, 1024));
            var more = false;
            while (r.Read())
            {
                if (events.Count == limit)
                {
                    more = true;
                    break;
                }

                var status = r.GetString(4);
                var startsAt = r.GetString(7);
                events.Add(new AlertEvent(
                    Id: r.GetInt64(0),
                    Fingerprint: r.GetString(1),
                    AlertName: r.GetString(2),
                    Receiver: r.GetString(3),
                    Status: status,
                    Labels: ReadLabels(r.GetString(5)),
                    Annotations: ReadLabels(r.GetString(6)),
                    StartsAt: ParseTime(startsAt),
                    EndsAt: r.IsDBNull(8) ? null : ParseTime(r.GetString(8)),
                    ReceivedAt: FromMs(r.GetInt64(9)),
                    GroupId: r.GetInt64(10),
                    Repeat: !r.IsDBNull(11) && r.GetString(11) == status + " " + startsAt));
            }

            return new AlertEventPage(events, more ? events[^1].Id : null);
        }, ct);
    }

    public Task<long> GetLatestEventIdAsync(CancellationToken ct) => ReadAsync("read the latest event id", c =>
    {
        using var cmd = Command(c, null, "SELECT COALESCE(MAX(id), 0) FROM alert_history");
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }, ct);

    public Task<AlertQualityReport> GetQualityReportAsync(AlertQualityQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync("build the alert-quality report", c =>
        {
            using var tx = c.BeginTransaction(deferred: true);
            // One row per firing: an alert (fingerprint) to a receiver with one startsAt, however many
            // notifications (repeats, the resolve) carried it.
            var firings = new Dictionary<(string Name, string Receiver), List<Firing>>();
            var notifications = new Dictionary<(string, string), int>();
            using (var cmd = Command(c, tx, """
                SELECT alert_name, receiver, fingerprint, starts_at, COUNT(*),
                       MAX(CASE WHEN status = 'resolved' THEN ends_at END)
                FROM alert_history
                WHERE received_at >= $since AND received_at < $until
                GROUP BY alert_name, receiver, fingerprint, starts_at
                """))
            {
                cmd.Parameters.AddWithValue("$since", ToMs(query.Since));
                cmd.Parameters.AddWithValue("$until", ToMs(query.Until));
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    var key = (r.GetString(0), r.GetString(1));
                    if (!firings.TryGetValue(key, out var list))
                    {
                        firings[key] = list = [];
                    }

                    list.Add(new Firing(r.GetString(2), ParseTime(r.GetString(3)),
                        r.IsDBNull(5) ? null : ParseTime(r.GetString(5))));
                    notifications[key] = notifications.GetValueOrDefault(key) + r.GetInt32(4);
                }
            }

            var deliveries = new Dictionary<(string, string), (int Total, int Failed, int Finished)>();
            using (var cmd = Command(c, tx, """
                SELECT h.alert_name, h.receiver, COUNT(*),
                       SUM(CASE WHEN d.state = 'failed' THEN 1 ELSE 0 END),
                       SUM(CASE WHEN d.state <> 'pending' THEN 1 ELSE 0 END)
                FROM (SELECT DISTINCT group_id, alert_name, receiver FROM alert_history
                      WHERE received_at >= $since AND received_at < $until) h
                JOIN deliveries d ON d.group_id = h.group_id
                GROUP BY h.alert_name, h.receiver
                """))
            {
                cmd.Parameters.AddWithValue("$since", ToMs(query.Since));
                cmd.Parameters.AddWithValue("$until", ToMs(query.Until));
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    deliveries[(r.GetString(0), r.GetString(1))] = (r.GetInt32(2), r.GetInt32(3), r.GetInt32(4));
                }
            }

            tx.Commit();
            var rows = new List<AlertQualityRow>(firings.Count);
            foreach (var ((name, receiver), list) in firings)
            {
                double total = 0;
                var resolved = new List<double>();
                var flaps = 0;
                foreach (var alert in list.GroupBy(f => f.Fingerprint, StringComparer.Ordinal))
                {
                    Firing? previous = null;
                    foreach (var f in alert.OrderBy(f => f.StartsAt))
                    {
                        var end = f.EndsAt ?? query.Now;
                        var seconds = Math.Max(0, (end - f.StartsAt).TotalSeconds);
                        total += seconds;
                        if (f.EndsAt is not null)
                        {
                            resolved.Add(seconds);
                        }

                        if (previous?.EndsAt is { } previousEnd && f.StartsAt >= previousEnd
                            && f.StartsAt - previousEnd < query.FlapGap)
                        {
                            flaps++;
                        }

                        previous = f;
                    }
                }

                var (delivered, failed, finished) = deliveries.GetValueOrDefault((name, receiver));
                rows.Add(new AlertQualityRow(name, receiver, list.Count, notifications[(name, receiver)], total,
                    Median(resolved), flaps, delivered, failed, finished == 0 ? 0 : (double)failed / finished));
            }

            rows.Sort((a, b) => b.Fired != a.Fired ? b.Fired.CompareTo(a.Fired)
                : string.CompareOrdinal(a.AlertName + "\0" + a.Receiver, b.AlertName + "\0" + b.Receiver));
            var noisiest = rows.OrderByDescending(r => r.Notifications).ThenByDescending(r => r.Fired)
                .ThenBy(r => r.AlertName, StringComparer.Ordinal).Take(10).ToList();
            return new AlertQualityReport(query.Since, query.Until, query.FlapGap, rows, noisiest);
        }, ct);
    }

    public Task<RequeueOutcome> RequeueFailedDeliveryAsync(long deliveryId, DateTimeOffset now, CancellationToken ct)
    {
        var at = ToMs(now);
        var note = $"re-sent by a user at {now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}; previous failure: ";
        return WriteAsync("re-queue a failed delivery", (c, tx) =>
        {
            // created_at is the base of the retry deadline (ClaimedDelivery.FirstAttemptDeadlineBase), so the
            // re-sent delivery gets a whole deadline from now, and attempts restart at 0.
            using (var cmd = Command(c, tx, """
                UPDATE deliveries
                SET state = 'pending', attempts = 0, created_at = $now, next_attempt_at = $now,
                    leased_until = NULL, lease_owner = NULL, finished_at = NULL, failure_reason = NULL,
                    last_error = substr($note || COALESCE(failure_reason, '') || ': ' || COALESCE(last_error, ''), 1, $max)
                WHERE id = $id AND state = 'failed'
                """))
            {
                cmd.Parameters.AddWithValue("$now", at);
                cmd.Parameters.AddWithValue("$note", note);
                cmd.Parameters.AddWithValue("$max", MaxErrorLength);
                cmd.Parameters.AddWithValue("$id", deliveryId);
                if (cmd.ExecuteNonQuery() == 1)
                {
                    return RequeueOutcome.Requeued;
                }
            }

            using var exists = Command(c, tx, "SELECT 1 FROM deliveries WHERE id = $id");
            exists.Parameters.AddWithValue("$id", deliveryId);
            return exists.ExecuteScalar() is null ? RequeueOutcome.NotFound : RequeueOutcome.NotFailed;
        }, ct);
    }

    public Task<IReadOnlyList<GroupSummary>> GetRecentGroupsAsync(string receiver, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        return ReadAsync<IReadOnlyList<GroupSummary>>("read recent groups", c =>
        {
            using var cmd = Command(c, null, """
                SELECT id, receiver, status, alert_count, received_at, group_key FROM alert_groups
                WHERE receiver = $receiver ORDER BY id DESC LIMIT $limit
                """);
            cmd.Parameters.AddWithValue("$receiver", receiver);
            cmd.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 100));
            using var r = cmd.ExecuteReader();
            var groups = new List<GroupSummary>();
            while (r.Read())
            {
                groups.Add(new GroupSummary(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3),
                    FromMs(r.GetInt64(4)), r.GetString(5)));
            }

            return groups;
        }, ct);
    }

    public Task<string?> GetGroupPayloadAsync(long groupId, CancellationToken ct) =>
        ReadAsync("read a group's payload", c =>
        {
            using var cmd = Command(c, null, "SELECT payload FROM alert_groups WHERE id = $id");
            cmd.Parameters.AddWithValue("$id", groupId);
            return cmd.ExecuteScalar() as string;
        }, ct);

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private sealed record Firing(string Fingerprint, DateTimeOffset StartsAt, DateTimeOffset? EndsAt);

    /// <summary>
    /// The events page query, shared by the JSON pages and the streamed exports: rows after the cursor matching the
    /// filters given, with each row's previous notification of the same alert to the same receiver, limit + 1 rows
    /// (the extra one says whether another page follows).
    /// </summary>
    private static SqliteCommand EventsCommand(SqliteConnection c, AlertEventQuery query, int limit)
    {
        // Only the filters given go into the WHERE clause: "$x IS NULL OR col = $x" would keep SQLite from
        // using the (receiver, id) and (alert_name, id) indexes of migration 2.
        var where = new StringBuilder("h.id > $after");
        var cmd = Command(c, null, "");
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

        // The previous notification of the same alert to the same receiver comes from ix_alert_history_alert
        // (fingerprint, receiver, id): one index probe per row, whatever the history's size.
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
        return cmd;
    }
}
