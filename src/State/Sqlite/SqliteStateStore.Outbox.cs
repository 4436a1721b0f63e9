using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Model;

namespace Promoter.State.Sqlite;

/// <summary>The outbox role (<see cref="IOutbox"/>): enqueue with dedupe, claim, outcomes, reschedule, defer, backlog.</summary>
public sealed partial class SqliteStateStore
{
    public Task<int> RecoverAsync(CancellationToken ct) => WriteAsync("recover leases", (c, tx) =>
    {
        using var cmd = Command(c, tx, """
            UPDATE deliveries SET leased_until = NULL, lease_owner = NULL
            WHERE state = 'pending' AND leased_until IS NOT NULL
            """);
        var count = cmd.ExecuteNonQuery();
        if (count > 0)
        {
            _logger.LeasesRecovered(count);
        }

        return count;
    }, ct);

    public Task<int> ReleaseLeasesAsync(string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return WriteAsync("release leases", (c, tx) =>
        {
            using var cmd = Command(c, tx, """
                UPDATE deliveries SET leased_until = NULL, lease_owner = NULL
                WHERE state = 'pending' AND lease_owner = $owner
                """);
            cmd.Parameters.AddWithValue("$owner", owner);
            return cmd.ExecuteNonQuery();
        }, ct);
    }

    public Task<EnqueueResult> EnqueueAsync(NewGroup group, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(group.Group);
        ArgumentNullException.ThrowIfNull(group.Channels);
        ArgumentNullException.ThrowIfNull(group.DedupeKey);

        // Serialised here, on the caller's thread: the writer task only runs the SQL.
        var g = group.Group;
        var groupJson = JsonSerializer.Serialize(StoredGroup.From(g), StateJsonContext.Relaxed.StoredGroup);
        var alerts = g.Alerts.Select(a => new
        {
            a.Fingerprint,
            a.Name,
            a.Status,
            Labels = JsonSerializer.Serialize(a.Labels, StateJsonContext.Relaxed.IReadOnlyDictionaryStringString),
            Annotations = JsonSerializer.Serialize(a.Annotations,
                StateJsonContext.Relaxed.IReadOnlyDictionaryStringString),
            StartsAt = a.StartsAt.ToString("o", CultureInfo.InvariantCulture),
            EndsAt = IsGoZeroTime(a.EndsAt) ? null : a.EndsAt.ToString("o", CultureInfo.InvariantCulture),
            a.GeneratorUrl,
        }).ToList();
        var channels = group.Channels.Distinct(StringComparer.Ordinal).ToList();
        var receivedAt = ToMs(group.ReceivedAt);

        return WriteAsync("queue the group", (c, tx) =>
        {
            if (group.DedupeWindow > TimeSpan.Zero)
            {
                using var find = Command(c, tx, """
                    SELECT id, received_at FROM alert_groups
                    WHERE dedupe_key = $key AND received_at > $after
                    ORDER BY id DESC LIMIT 1
                    """);
                find.Parameters.AddWithValue("$key", group.DedupeKey);
                find.Parameters.AddWithValue("$after", receivedAt - (long)group.DedupeWindow.TotalMilliseconds);
                using var r = find.ExecuteReader();
                if (r.Read())
                {
                    var earlier = r.GetInt64(0);
                    _logger.Duplicate(g.Receiver, earlier, TimeSpan.FromMilliseconds(receivedAt - r.GetInt64(1)));
                    return new EnqueueResult(earlier, Duplicate: true);
                }
            }

            long groupId;
            using (var insert = Command(c, tx, """
                INSERT INTO alert_groups (dedupe_key, receiver, group_key, status, alert_count, received_at, payload,
                                          group_json)
                VALUES ($key, $receiver, $groupKey, $status, $count, $receivedAt, $payload, $json)
                RETURNING id
                """))
            {
                insert.Parameters.AddWithValue("$key", group.DedupeKey);
                insert.Parameters.AddWithValue("$receiver", g.Receiver);
                insert.Parameters.AddWithValue("$groupKey", g.GroupKey);
                insert.Parameters.AddWithValue("$status", g.Status);
                insert.Parameters.AddWithValue("$count", g.Alerts.Count);
                insert.Parameters.AddWithValue("$receivedAt", receivedAt);
                insert.Parameters.AddWithValue("$payload", group.RawPayload ?? "");
                insert.Parameters.AddWithValue("$json", groupJson);
                groupId = (long)insert.ExecuteScalar()!;
            }

            if (channels.Count > 0)
            {
                using var delivery = Command(c, tx, """
                    INSERT INTO deliveries (group_id, channel, receiver, group_key, state, attempts, created_at,
                                            next_attempt_at)
                    VALUES ($groupId, $channel, $receiver, $groupKey, 'pending', 0, $now, $now)
                    """);
                var channel = delivery.Parameters.Add("$channel", SqliteType.Text);
                delivery.Parameters.AddWithValue("$groupId", groupId);
                delivery.Parameters.AddWithValue("$receiver", g.Receiver);
                delivery.Parameters.AddWithValue("$groupKey", g.GroupKey);
                delivery.Parameters.AddWithValue("$now", receivedAt);
                foreach (var name in channels)
                {
                    channel.Value = name;
                    delivery.ExecuteNonQuery();
                }
            }

            if (alerts.Count > 0)
            {
                using var history = Command(c, tx, """
                    INSERT INTO alert_history (group_id, fingerprint, receiver, alert_name, status, labels_json,
                                               annotations_json, starts_at, ends_at, generator_url, received_at)
                    VALUES ($groupId, $fingerprint, $receiver, $name, $status, $labels, $annotations, $startsAt,
                            $endsAt, $url, $receivedAt)
                    """);
                history.Parameters.AddWithValue("$groupId", groupId);
                history.Parameters.AddWithValue("$receiver", g.Receiver);
                history.Parameters.AddWithValue("$receivedAt", receivedAt);
                var fingerprint = history.Parameters.Add("$fingerprint", SqliteType.Text);
                var name = history.Parameters.Add("$name", SqliteType.Text);
                var status = history.Parameters.Add("$status", SqliteType.Text);
                var labels = history.Parameters.Add("$labels", SqliteType.Text);
                var annotations = history.Parameters.Add("$annotations", SqliteType.Text);
                var startsAt = history.Parameters.Add("$startsAt", SqliteType.Text);
                var endsAt = history.Parameters.Add("$endsAt", SqliteType.Text);
                var url = history.Parameters.Add("$url", SqliteType.Text);
                foreach (var a in alerts)
                {
                    fingerprint.Value = a.Fingerprint;
                    name.Value = a.Name;
                    status.Value = a.Status;
                    labels.Value = a.Labels;
                    annotations.Value = a.Annotations;
                    startsAt.Value = a.StartsAt;
                    endsAt.Value = (object?)a.EndsAt ?? DBNull.Value;
                    url.Value = a.GeneratorUrl;
                    history.ExecuteNonQuery();
                }
            }

            return new EnqueueResult(groupId, Duplicate: false);
        }, ct);
    }

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, DateTimeOffset now, TimeSpan lease,
        string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        if (max <= 0)
        {
            return Task.FromResult<IReadOnlyList<ClaimedDelivery>>([]);
        }

        var nowMs = ToMs(now);
        return WriteAsync<IReadOnlyList<ClaimedDelivery>>("claim deliveries", (c, tx) =>
        {
            // The IN (… MIN(id) … GROUP BY channel, group_key) keeps one alert group's notifications to a channel in
            // arrival order (its firing before its resolved): only the oldest unfinished delivery of a group to a
            // channel can be handed out. Different groups never wait for each other, so one group whose sink keeps
            // failing holds back nothing but its own later notifications. A group without a key (posted by hand)
            // is a sequence of its own ('#' never starts an Alertmanager group key).
            var claimed = new List<ClaimedDelivery>();
            var unreadable = new List<(long Id, string Error)>();
            var groups = new Dictionary<long, AlertGroup>();
            using (var select = Command(c, tx, """
                SELECT d.id, d.group_id, d.channel, d.receiver, d.attempts, d.created_at, d.resume_token,
                       g.group_json
                FROM deliveries d
                JOIN alert_groups g ON g.id = d.group_id
                WHERE d.id IN (SELECT MIN(id) FROM deliveries WHERE state = 'pending'
                               GROUP BY channel, CASE WHEN group_key = '' THEN '#' || id ELSE group_key END)
                  AND d.next_attempt_at <= $now
                  AND (d.leased_until IS NULL OR d.leased_until <= $now)
                ORDER BY d.id
                LIMIT $max
                """))
            {
                select.Parameters.AddWithValue("$now", nowMs);
                select.Parameters.AddWithValue("$max", max);
                using var r = select.ExecuteReader();
                while (r.Read())
                {
                    var groupId = r.GetInt64(1);
                    if (!groups.TryGetValue(groupId, out var group))
                    {
                        if (!TryReadGroup(r.GetString(7), out group, out var error))
                        {
                            unreadable.Add((r.GetInt64(0), error));
                            continue;
                        }

                        groups[groupId] = group;
                    }

                    var created = FromMs(r.GetInt64(5));
                    claimed.Add(new ClaimedDelivery(r.GetInt64(0), groupId, r.GetString(2), r.GetString(3), group,
                        r.GetInt32(4), created, r.IsDBNull(6) ? null : r.GetString(6), created));
                }
            }

            if (claimed.Count > 0)
            {
                using var update = Command(c, tx, """
                    UPDATE deliveries SET leased_until = $until, lease_owner = $owner WHERE id = $id
                    """);
                update.Parameters.AddWithValue("$until", nowMs + (long)lease.TotalMilliseconds);
                update.Parameters.AddWithValue("$owner", owner);
                var id = update.Parameters.Add("$id", SqliteType.Integer);
                foreach (var delivery in claimed)
                {
                    id.Value = delivery.DeliveryId;
                    update.ExecuteNonQuery();
                }
            }

            // A row no worker could ever send would hold back its channel forever: it fails, visibly.
            foreach (var (deliveryId, error) in unreadable)
            {
                using var fail = Command(c, tx, """
                    UPDATE deliveries
                    SET state = 'failed', failure_reason = 'Unreadable', last_error = $error, finished_at = $now,
                        leased_until = NULL, lease_owner = NULL
                    WHERE id = $id
                    """);
                fail.Parameters.AddWithValue("$id", deliveryId);
                fail.Parameters.AddWithValue("$error", error);
                fail.Parameters.AddWithValue("$now", nowMs);
                fail.ExecuteNonQuery();
                _logger.Unreadable(deliveryId, error);
            }

            return claimed;
        }, ct);
    }

    public Task MarkSucceededAsync(long deliveryId, int attempts, string? messageId, DateTimeOffset at,
        CancellationToken ct) =>
        Finish(deliveryId, Succeeded, attempts, messageId, reason: null, error: null, at, ct);

    public Task MarkFailedAsync(long deliveryId, int attempts, string reason, string error, DateTimeOffset at,
        CancellationToken ct) =>
        Finish(deliveryId, Failed, attempts, messageId: null, reason, error, at, ct);

    private Task Finish(long deliveryId, string state, int attempts, string? messageId, string? reason,
        string? error, DateTimeOffset at, CancellationToken ct) => WriteAsync("record the outcome", (c, tx) =>
    {
        using var cmd = Command(c, tx, """
            UPDATE deliveries
            SET state = $state, attempts = $attempts, message_id = $messageId, failure_reason = $reason,
                last_error = COALESCE($error, last_error), last_attempt_at = $at, finished_at = $at,
                leased_until = NULL, lease_owner = NULL, resume_token = NULL
            WHERE id = $id AND state = 'pending'
            """);
        cmd.Parameters.AddWithValue("$id", deliveryId);
        cmd.Parameters.AddWithValue("$state", state);
        cmd.Parameters.AddWithValue("$attempts", attempts);
        cmd.Parameters.AddWithValue("$messageId", (object?)messageId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$error", (object?)Bounded(error) ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$at", ToMs(at));
        if (cmd.ExecuteNonQuery() == 0)
        {
            _logger.StaleOutcome(deliveryId, state);
        }

        return 0;
    }, ct);

    public Task RescheduleAsync(long deliveryId, int attempts, DateTimeOffset nextAttemptAt, string error,
        string? resumeToken, CancellationToken ct) => WriteAsync("reschedule the delivery", (c, tx) =>
    {
        using var cmd = Command(c, tx, """
            UPDATE deliveries
            SET attempts = $attempts, next_attempt_at = $next, last_error = $error, resume_token = $token,
                last_attempt_at = $now, leased_until = NULL, lease_owner = NULL
            WHERE id = $id AND state = 'pending'
            """);
        cmd.Parameters.AddWithValue("$id", deliveryId);
        cmd.Parameters.AddWithValue("$attempts", attempts);
        cmd.Parameters.AddWithValue("$next", ToMs(nextAttemptAt));
        cmd.Parameters.AddWithValue("$error", (object?)Bounded(error) ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$token", (object?)resumeToken ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$now", ToMs(_time.GetUtcNow()));
        if (cmd.ExecuteNonQuery() == 0)
        {
            _logger.StaleOutcome(deliveryId, "reschedule");
        }

        return 0;
    }, ct);

    public Task DeferAsync(long deliveryId, DateTimeOffset until, CancellationToken ct) => WriteAsync("defer the delivery", (c, tx) =>
    {
        using var cmd = Command(c, tx, """
            UPDATE deliveries SET next_attempt_at = $next, leased_until = NULL, lease_owner = NULL
            WHERE id = $id AND state = 'pending'
            """);
        cmd.Parameters.AddWithValue("$id", deliveryId);
        cmd.Parameters.AddWithValue("$next", ToMs(until));
        return cmd.ExecuteNonQuery();
    }, ct);

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimBacklogAsync(string channel, int max, DateTimeOffset now, TimeSpan lease,
        string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(owner);
        if (max <= 0)
        {
            return Task.FromResult<IReadOnlyList<ClaimedDelivery>>([]);
        }

        var nowMs = ToMs(now);
        return WriteAsync<IReadOnlyList<ClaimedDelivery>>("claim a channel's backlog", (c, tx) =>
        {
            var claimed = new List<ClaimedDelivery>();
            var groups = new Dictionary<long, AlertGroup>();
            using (var select = Command(c, tx, """
                SELECT d.id, d.group_id, d.channel, d.receiver, d.attempts, d.created_at, d.resume_token, g.group_json
                FROM deliveries d
                JOIN alert_groups g ON g.id = d.group_id
                WHERE d.state = 'pending' AND d.channel = $channel
                  AND (d.leased_until IS NULL OR d.leased_until <= $now)
                  AND NOT EXISTS (SELECT 1 FROM deliveries e
                                  WHERE e.state = 'pending' AND e.channel = d.channel AND e.group_key = d.group_key
                                    AND d.group_key <> '' AND e.id < d.id AND e.leased_until > $now)
                ORDER BY d.id
                LIMIT $max
                """))
            {
                select.Parameters.AddWithValue("$channel", channel);
                select.Parameters.AddWithValue("$now", nowMs);
                select.Parameters.AddWithValue("$max", max);
                using var r = select.ExecuteReader();
                while (r.Read())
                {
                    var groupId = r.GetInt64(1);
                    if (!groups.TryGetValue(groupId, out var group))
                    {
                        if (!TryReadGroup(r.GetString(7), out group, out _))
                        {
                            continue; // the regular claim fails such a row visibly
                        }

                        groups[groupId] = group;
                    }

                    var created = FromMs(r.GetInt64(5));
                    claimed.Add(new ClaimedDelivery(r.GetInt64(0), groupId, r.GetString(2), r.GetString(3), group,
                        r.GetInt32(4), created, r.IsDBNull(6) ? null : r.GetString(6), created));
                }
            }

            using var update = Command(c, tx, "UPDATE deliveries SET leased_until = $until, lease_owner = $owner WHERE id = $id");
            update.Parameters.AddWithValue("$until", nowMs + (long)lease.TotalMilliseconds);
            update.Parameters.AddWithValue("$owner", owner);
            var id = update.Parameters.Add("$id", SqliteType.Integer);
            foreach (var delivery in claimed)
            {
                id.Value = delivery.DeliveryId;
                update.ExecuteNonQuery();
            }

            return claimed;
        }, ct);
    }

    public Task MarkSentTogetherAsync(IReadOnlyList<long> deliveryIds, string note, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deliveryIds);
        ArgumentNullException.ThrowIfNull(note);
        return WriteAsync("record deliveries sent together", (c, tx) =>
        {
            using var cmd = Command(c, tx, """
                UPDATE deliveries
                SET state = 'succeeded', attempts = attempts + 1, note = $note, last_attempt_at = $at, finished_at = $at,
                    leased_until = NULL, lease_owner = NULL, resume_token = NULL
                WHERE id = $id AND state = 'pending'
                """);
            cmd.Parameters.AddWithValue("$note", Bounded(note));
            cmd.Parameters.AddWithValue("$at", ToMs(at));
            var id = cmd.Parameters.Add("$id", SqliteType.Integer);
            foreach (var deliveryId in deliveryIds)
            {
                id.Value = deliveryId;
                cmd.ExecuteNonQuery();
            }

            return 0;
        }, ct);
    }

    public Task<string?> GetLastMessageIdAsync(string channel, string groupKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(groupKey);
        return ReadAsync("read the last message id", c =>
        {
            using var cmd = Command(c, null, """
                SELECT message_id FROM deliveries
                WHERE channel = $channel AND group_key = $groupKey AND state = 'succeeded'
                  AND message_id IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """);
            cmd.Parameters.AddWithValue("$channel", channel);
            cmd.Parameters.AddWithValue("$groupKey", groupKey);
            return cmd.ExecuteScalar() as string;
        }, ct);
    }

    public Task<QueueStats> GetQueueStatsAsync(DateTimeOffset now, CancellationToken ct)
    {
        var nowMs = ToMs(now);
        return ReadAsync("read queue statistics", c =>
        {
            using var tx = c.BeginTransaction(deferred: true);
            long succeeded = 0, failed = 0;
            using (var cmd = Command(c, tx, "SELECT state, COUNT(*) FROM deliveries GROUP BY state"))
            {
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    switch (r.GetString(0))
                    {
                        case Succeeded: succeeded = r.GetInt64(1); break;
                        case Failed: failed = r.GetInt64(1); break;
                    }
                }
            }

            int pending = 0, due = 0, leased = 0;
            DateTimeOffset? oldest = null;
            using (var cmd = Command(c, tx, """
                SELECT COUNT(*),
                       COALESCE(SUM(CASE WHEN next_attempt_at <= $now
                                          AND (leased_until IS NULL OR leased_until <= $now) THEN 1 ELSE 0 END), 0),
                       COALESCE(SUM(CASE WHEN leased_until > $now THEN 1 ELSE 0 END), 0),
                       MIN(created_at)
                FROM deliveries WHERE state = 'pending'
                """))
            {
                cmd.Parameters.AddWithValue("$now", nowMs);
                using var r = cmd.ExecuteReader();
                if (r.Read())
                {
                    pending = r.GetInt32(0);
                    due = r.GetInt32(1);
                    leased = r.GetInt32(2);
                    oldest = r.IsDBNull(3) ? null : FromMs(r.GetInt64(3));
                }
            }

            var byChannel = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var cmd = Command(c, tx,
                "SELECT channel, COUNT(*) FROM deliveries WHERE state = 'pending' GROUP BY channel ORDER BY channel"))
            {
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    byChannel[r.GetString(0)] = r.GetInt32(1);
                }
            }

            tx.Commit();
            var age = oldest is { } o && now > o ? now - o : TimeSpan.Zero;
            return new QueueStats(pending, due, leased, succeeded, failed, oldest, age, byChannel);
        }, ct);
    }
}
