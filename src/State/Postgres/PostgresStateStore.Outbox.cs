using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Promoter.Abstractions.Model;

namespace Promoter.State.Postgres;

/// <summary>The outbox role (<see cref="IOutbox"/>) for several replicas.</summary>
public sealed partial class PostgresStateStore
{
    /// <summary>
    /// Clears nothing: other replicas may be working on the database, and their leases are theirs. A replica that
    /// died stops renewing its leases, which then run out within <see cref="PostgresStateStoreOptions.LeaseHeartbeat"/>.
    /// </summary>
    public Task<int> RecoverAsync(CancellationToken ct) => Task.FromResult(0);

    public Task<int> ReleaseLeasesAsync(string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        foreach (var (id, held) in _held)
        {
            if (held.Owner == owner)
            {
                _held.TryRemove(id, out _);
            }
        }

        return RunAsync("release leases", async (c, tx, token) =>
        {
            await using var cmd = Command(c, tx, """
                UPDATE deliveries SET leased_until = NULL, lease_owner = NULL
                WHERE state = 'pending' AND lease_owner = @owner
                """);
            cmd.Parameters.AddWithValue("owner", owner);
            return await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }, ct);
    }

    public Task<EnqueueResult> EnqueueAsync(NewGroup group, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(group.Group);
        ArgumentNullException.ThrowIfNull(group.Channels);
        ArgumentNullException.ThrowIfNull(group.DedupeKey);

        var g = group.Group;
        var groupJson = JsonSerializer.Serialize(StoredGroup.From(g), StateJsonContext.Relaxed.StoredGroup);
        var channels = group.Channels.Distinct(StringComparer.Ordinal).ToArray();
        var receivedAt = ToMs(group.ReceivedAt);
        var window = (long)group.DedupeWindow.TotalMilliseconds;

        return RunAsync("queue the group", async (c, tx, token) =>
        {
            // A savepoint before the group: a duplicate rolls back to it, leaving nothing of this group behind.
            await tx.SaveAsync("enqueue", token).ConfigureAwait(false);
            long groupId;
            await using (var insert = Command(c, tx, """
                INSERT INTO alert_groups (dedupe_key, receiver, group_key, status, alert_count, received_at, payload,
                                          group_json)
                VALUES (@key, @receiver, @groupKey, @status, @count, @receivedAt, @payload, @json)
                RETURNING id
                """))
            {
                insert.Parameters.AddWithValue("key", group.DedupeKey);
                insert.Parameters.AddWithValue("receiver", g.Receiver);
                insert.Parameters.AddWithValue("groupKey", g.GroupKey);
                insert.Parameters.AddWithValue("status", g.Status);
                insert.Parameters.AddWithValue("count", g.Alerts.Count);
                insert.Parameters.AddWithValue("receivedAt", receivedAt);
                insert.Parameters.AddWithValue("payload", group.RawPayload ?? "");
                insert.Parameters.AddWithValue("json", groupJson);
                groupId = (long)(await insert.ExecuteScalarAsync(token).ConfigureAwait(false))!;
            }

            // The primary key decides between replicas: a concurrent INSERT of the same key waits for this transaction
            // and then finds its row. The row is taken over only when the earlier group is outside the window.
            await using (var dedupe = Command(c, tx, """
                INSERT INTO dedupe_keys AS k (dedupe_key, group_id, received_at) VALUES (@key, @groupId, @receivedAt)
                ON CONFLICT (dedupe_key) DO UPDATE SET group_id = EXCLUDED.group_id, received_at = EXCLUDED.received_at
                WHERE k.received_at <= @receivedAt - @window
                RETURNING group_id
                """))
            {
                dedupe.Parameters.AddWithValue("key", group.DedupeKey);
                dedupe.Parameters.AddWithValue("groupId", groupId);
                dedupe.Parameters.AddWithValue("receivedAt", receivedAt);
                dedupe.Parameters.AddWithValue("window", window);
                if (await dedupe.ExecuteScalarAsync(token).ConfigureAwait(false) is null)
                {
                    await tx.RollbackAsync("enqueue", token).ConfigureAwait(false);
                    await using var earlier = Command(c, tx,
                        "SELECT group_id, received_at FROM dedupe_keys WHERE dedupe_key = @key");
                    earlier.Parameters.AddWithValue("key", group.DedupeKey);
                    await using var r = await earlier.ExecuteReaderAsync(token).ConfigureAwait(false);
                    await r.ReadAsync(token).ConfigureAwait(false);
                    var earlierId = r.GetInt64(0);
                    _logger.PostgresDuplicate(g.Receiver, earlierId, TimeSpan.FromMilliseconds(receivedAt - r.GetInt64(1)));
                    return new EnqueueResult(earlierId, Duplicate: true);
                }
            }

            if (channels.Length > 0)
            {
                await using var delivery = Command(c, tx, """
                    INSERT INTO deliveries (group_id, channel, receiver, group_key, state, attempts, created_at,
                                            next_attempt_at)
                    SELECT @groupId, ch, @receiver, @groupKey, 'pending', 0, @now, @now
                    FROM unnest(@channels) WITH ORDINALITY AS t(ch, n) ORDER BY n
                    """);
                delivery.Parameters.AddWithValue("groupId", groupId);
                delivery.Parameters.AddWithValue("receiver", g.Receiver);
                delivery.Parameters.AddWithValue("groupKey", g.GroupKey);
                delivery.Parameters.AddWithValue("now", receivedAt);
                delivery.Parameters.AddWithValue("channels", channels);
                await delivery.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            if (g.Alerts.Count > 0)
            {
                await using var history = Command(c, tx, """
                    INSERT INTO alert_history (group_id, fingerprint, receiver, alert_name, status, labels_json,
                                               annotations_json, starts_at, ends_at, generator_url, received_at)
                    SELECT @groupId, f, @receiver, n, s, l, a, sa, ea, u, @receivedAt
                    FROM unnest(@fingerprints, @names, @statuses, @labels, @annotations, @startsAt, @endsAt, @urls)
                         WITH ORDINALITY AS t(f, n, s, l, a, sa, ea, u, i)
                    ORDER BY i
                    """);
                history.Parameters.AddWithValue("groupId", groupId);
                history.Parameters.AddWithValue("receiver", g.Receiver);
                history.Parameters.AddWithValue("receivedAt", receivedAt);
                history.Parameters.AddWithValue("fingerprints", g.Alerts.Select(a => a.Fingerprint).ToArray());
                history.Parameters.AddWithValue("names", g.Alerts.Select(a => a.Name).ToArray());
                history.Parameters.AddWithValue("statuses", g.Alerts.Select(a => a.Status).ToArray());
                history.Parameters.AddWithValue("labels", g.Alerts.Select(a =>
                    JsonSerializer.Serialize(a.Labels, StateJsonContext.Relaxed.IReadOnlyDictionaryStringString)).ToArray());
                history.Parameters.AddWithValue("annotations", g.Alerts.Select(a =>
                    JsonSerializer.Serialize(a.Annotations, StateJsonContext.Relaxed.IReadOnlyDictionaryStringString)).ToArray());
                history.Parameters.AddWithValue("startsAt", g.Alerts.Select(a =>
                    a.StartsAt.ToString("o", CultureInfo.InvariantCulture)).ToArray());
                history.Parameters.Add(new NpgsqlParameter("endsAt", NpgsqlDbType.Array | NpgsqlDbType.Text)
                {
                    Value = g.Alerts.Select(a => IsGoZeroTime(a.EndsAt) ? null : a.EndsAt.ToString("o", CultureInfo.InvariantCulture)).ToArray(),
                });
                history.Parameters.AddWithValue("urls", g.Alerts.Select(a => a.GeneratorUrl).ToArray());
                await history.ExecuteNonQueryAsync(token).ConfigureAwait(false);
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
        var until = nowMs + (long)EffectiveLease(lease).TotalMilliseconds;
        var maxUntil = nowMs + (long)lease.TotalMilliseconds;
        return ClaimAndHoldAsync(owner, maxUntil, () => RunAsync<IReadOnlyList<ClaimedDelivery>>("claim deliveries", async (c, tx, token) =>
        {
            // As in SQLite, only the oldest unfinished delivery of a group to a channel can be handed out. Between
            // replicas, FOR UPDATE … SKIP LOCKED makes a row another replica is claiming invisible to this claim; the
            // state = 'pending' test is evaluated again on the row as locked, so a delivery finished meanwhile by
            // another replica is never handed out a second time.
            var claimed = new List<ClaimedDelivery>();
            var unreadable = new List<(long Id, string Error)>();
            var groups = new Dictionary<long, AlertGroup>();
            await using (var select = Command(c, tx, """
                SELECT d.id, d.group_id, d.channel, d.receiver, d.attempts, d.created_at, d.resume_token,
                       g.group_json
                FROM deliveries d
                JOIN alert_groups g ON g.id = d.group_id
                WHERE d.id IN (SELECT MIN(id) FROM deliveries WHERE state = 'pending'
                               GROUP BY channel, CASE WHEN group_key = '' THEN '#' || id ELSE group_key END)
                  AND d.state = 'pending'
                  AND d.next_attempt_at <= @now
                  AND (d.leased_until IS NULL OR d.leased_until <= @now)
                ORDER BY d.id
                LIMIT @max
                FOR UPDATE OF d SKIP LOCKED
                """))
            {
                select.Parameters.AddWithValue("now", nowMs);
                select.Parameters.AddWithValue("max", max);
                await using var r = await select.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await r.ReadAsync(token).ConfigureAwait(false))
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

            await LeaseAsync(c, tx, claimed, until, owner, token).ConfigureAwait(false);

            // A row no worker could ever send would hold back its channel forever: it fails, visibly.
            foreach (var (deliveryId, error) in unreadable)
            {
                await using var fail = Command(c, tx, """
                    UPDATE deliveries
                    SET state = 'failed', failure_reason = 'Unreadable', last_error = @error, finished_at = @now,
                        leased_until = NULL, lease_owner = NULL
                    WHERE id = @id
                    """);
                fail.Parameters.AddWithValue("id", deliveryId);
                fail.Parameters.AddWithValue("error", error);
                fail.Parameters.AddWithValue("now", nowMs);
                await fail.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                _logger.PostgresUnreadable(deliveryId, error);
            }

            return claimed;
        }, ct));
    }

    private TimeSpan EffectiveLease(TimeSpan requested) =>
        _options.LeaseHeartbeat is { } heartbeat && heartbeat < requested ? heartbeat : requested;

    /// <summary>After the claim committed: these deliveries are this process's until their outcome.</summary>
    private IReadOnlyList<ClaimedDelivery> Hold(IReadOnlyList<ClaimedDelivery> claimed, string owner, long maxUntil)
    {
        if (_options.LeaseHeartbeat is not null)
        {
            foreach (var d in claimed)
            {
                _held[d.DeliveryId] = (owner, maxUntil);
            }
        }

        return claimed;
    }

    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimAndHoldAsync(string owner, long maxUntil,
        Func<Task<IReadOnlyList<ClaimedDelivery>>> claim) => Hold(await claim().ConfigureAwait(false), owner, maxUntil);

    private void Let(long deliveryId) => _held.TryRemove(deliveryId, out _);

    private static async Task LeaseAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<ClaimedDelivery> claimed,
        long until, string owner, CancellationToken ct)
    {
        if (claimed.Count == 0)
        {
            return;
        }

        await using var update = Command(c, tx, """
            UPDATE deliveries SET leased_until = @until, lease_owner = @owner WHERE id = ANY(@ids)
            """);
        update.Parameters.AddWithValue("until", until);
        update.Parameters.AddWithValue("owner", owner);
        update.Parameters.AddWithValue("ids", claimed.Select(d => d.DeliveryId).ToArray());
        await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public Task MarkSucceededAsync(long deliveryId, int attempts, string? messageId, DateTimeOffset at,
        CancellationToken ct) =>
        Finish(deliveryId, Succeeded, attempts, messageId, reason: null, error: null, at, ct);

    public Task MarkFailedAsync(long deliveryId, int attempts, string reason, string error, DateTimeOffset at,
        CancellationToken ct) =>
        Finish(deliveryId, Failed, attempts, messageId: null, reason, error, at, ct);

    private Task Finish(long deliveryId, string state, int attempts, string? messageId, string? reason,
        string? error, DateTimeOffset at, CancellationToken ct) => RunOutcomeAsync("record the outcome", async (c, tx, token) =>
    {
        await using var cmd = Command(c, tx, """
            UPDATE deliveries
            SET state = @state, attempts = @attempts, message_id = @messageId, failure_reason = @reason,
                last_error = COALESCE(@error, last_error), last_attempt_at = @at, finished_at = @at,
                leased_until = NULL, lease_owner = NULL, resume_token = NULL
            WHERE id = @id AND state = 'pending'
            """);
        cmd.Parameters.AddWithValue("id", deliveryId);
        cmd.Parameters.AddWithValue("state", state);
        cmd.Parameters.AddWithValue("attempts", attempts);
        cmd.Parameters.Add(Nullable("messageId", NpgsqlDbType.Text, messageId));
        cmd.Parameters.Add(Nullable("reason", NpgsqlDbType.Text, reason));
        cmd.Parameters.Add(Nullable("error", NpgsqlDbType.Text, Bounded(error)));
        cmd.Parameters.AddWithValue("at", ToMs(at));
        if (await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false) == 0)
        {
            _logger.PostgresStaleOutcome(deliveryId, state);
        }

        Let(deliveryId); // after the write: until then the lease is kept alive (the retries take longer than it)
        return 0;
    }, ct);

    public Task RescheduleAsync(long deliveryId, int attempts, DateTimeOffset nextAttemptAt, string error,
        string? resumeToken, CancellationToken ct) => RunOutcomeAsync("reschedule the delivery", async (c, tx, token) =>
    {
        await using var cmd = Command(c, tx, """
            UPDATE deliveries
            SET attempts = @attempts, next_attempt_at = @next, last_error = @error, resume_token = @token,
                last_attempt_at = @now, leased_until = NULL, lease_owner = NULL
            WHERE id = @id AND state = 'pending'
            """);
        cmd.Parameters.AddWithValue("id", deliveryId);
        cmd.Parameters.AddWithValue("attempts", attempts);
        cmd.Parameters.AddWithValue("next", ToMs(nextAttemptAt));
        cmd.Parameters.Add(Nullable("error", NpgsqlDbType.Text, Bounded(error)));
        cmd.Parameters.Add(Nullable("token", NpgsqlDbType.Text, resumeToken));
        cmd.Parameters.AddWithValue("now", ToMs(_time.GetUtcNow()));
        if (await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false) == 0)
        {
            _logger.PostgresStaleOutcome(deliveryId, "reschedule");
        }

        Let(deliveryId);
        return 0;
    }, ct);

    public Task DeferAsync(long deliveryId, DateTimeOffset until, CancellationToken ct) =>
        RunOutcomeAsync("defer the delivery", async (c, tx, token) =>
        {
            await using var cmd = Command(c, tx, """
                UPDATE deliveries SET next_attempt_at = @next, leased_until = NULL, lease_owner = NULL
                WHERE id = @id AND state = 'pending'
                """);
            cmd.Parameters.AddWithValue("id", deliveryId);
            cmd.Parameters.AddWithValue("next", ToMs(until));
            var changed = await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            Let(deliveryId);
            return changed;
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
        var until = nowMs + (long)EffectiveLease(lease).TotalMilliseconds;
        var maxUntil = nowMs + (long)lease.TotalMilliseconds;
        return ClaimAndHoldAsync(owner, maxUntil, () => RunAsync<IReadOnlyList<ClaimedDelivery>>("claim a channel's backlog", async (c, tx, token) =>
        {
            var claimed = new List<ClaimedDelivery>();
            var groups = new Dictionary<long, AlertGroup>();
            await using (var select = Command(c, tx, """
                SELECT d.id, d.group_id, d.channel, d.receiver, d.attempts, d.created_at, d.resume_token, g.group_json
                FROM deliveries d
                JOIN alert_groups g ON g.id = d.group_id
                WHERE d.state = 'pending' AND d.channel = @channel
                  AND (d.leased_until IS NULL OR d.leased_until <= @now)
                  AND NOT EXISTS (SELECT 1 FROM deliveries e
                                  WHERE e.state = 'pending' AND e.channel = d.channel AND e.group_key = d.group_key
                                    AND d.group_key <> '' AND e.id < d.id AND e.leased_until > @now)
                ORDER BY d.id
                LIMIT @max
                FOR UPDATE OF d SKIP LOCKED
                """))
            {
                select.Parameters.AddWithValue("channel", channel);
                select.Parameters.AddWithValue("now", nowMs);
                select.Parameters.AddWithValue("max", max);
                await using var r = await select.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await r.ReadAsync(token).ConfigureAwait(false))
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

            await LeaseAsync(c, tx, claimed, until, owner, token).ConfigureAwait(false);
            return claimed;
        }, ct));
    }

    public Task MarkSentTogetherAsync(IReadOnlyList<long> deliveryIds, string note, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deliveryIds);
        ArgumentNullException.ThrowIfNull(note);
        var ids = deliveryIds.ToArray();
        return RunOutcomeAsync("record deliveries sent together", async (c, tx, token) =>
        {
            await using var cmd = Command(c, tx, """
                UPDATE deliveries
                SET state = 'succeeded', attempts = attempts + 1, note = @note, last_attempt_at = @at, finished_at = @at,
                    leased_until = NULL, lease_owner = NULL, resume_token = NULL
                WHERE id = ANY(@ids) AND state = 'pending'
                """);
            cmd.Parameters.AddWithValue("note", Bounded(note)!);
            cmd.Parameters.AddWithValue("at", ToMs(at));
            cmd.Parameters.AddWithValue("ids", ids);
            var changed = await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            foreach (var id in ids)
            {
                Let(id);
            }

            return changed;
        }, ct);
    }

    public Task<string?> GetLastMessageIdAsync(string channel, string groupKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(groupKey);
        return RunReadAsync("read the last message id", async (c, tx, token) =>
        {
            await using var cmd = Command(c, tx, """
                SELECT message_id FROM deliveries
                WHERE channel = @channel AND group_key = @groupKey AND state = 'succeeded'
                  AND message_id IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """);
            cmd.Parameters.AddWithValue("channel", channel);
            cmd.Parameters.AddWithValue("groupKey", groupKey);
            return await cmd.ExecuteScalarAsync(token).ConfigureAwait(false) as string;
        }, ct);
    }

    public Task<QueueStats> GetQueueStatsAsync(DateTimeOffset now, CancellationToken ct)
    {
        var nowMs = ToMs(now);
        return RunAsync("read queue statistics", async (c, tx, token) =>
        {
            long succeeded = 0, failed = 0;
            await using (var cmd = Command(c, tx, "SELECT state, COUNT(*) FROM deliveries GROUP BY state"))
            {
                await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await r.ReadAsync(token).ConfigureAwait(false))
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
            await using (var cmd = Command(c, tx, """
                SELECT COUNT(*)::int,
                       COUNT(*) FILTER (WHERE next_attempt_at <= @now
                                        AND (leased_until IS NULL OR leased_until <= @now))::int,
                       COUNT(*) FILTER (WHERE leased_until > @now)::int,
                       MIN(created_at)
                FROM deliveries WHERE state = 'pending'
                """))
            {
                cmd.Parameters.AddWithValue("now", nowMs);
                await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
                if (await r.ReadAsync(token).ConfigureAwait(false))
                {
                    pending = r.GetInt32(0);
                    due = r.GetInt32(1);
                    leased = r.GetInt32(2);
                    oldest = r.IsDBNull(3) ? null : FromMs(r.GetInt64(3));
                }
            }

            var byChannel = new Dictionary<string, int>(StringComparer.Ordinal);
            await using (var cmd = Command(c, tx,
                "SELECT channel, COUNT(*)::int FROM deliveries WHERE state = 'pending' GROUP BY channel ORDER BY channel"))
            {
                await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await r.ReadAsync(token).ConfigureAwait(false))
                {
                    byChannel[r.GetString(0)] = r.GetInt32(1);
                }
            }

            var age = oldest is { } o && now > o ? now - o : TimeSpan.Zero;
            return new QueueStats(pending, due, leased, succeeded, failed, oldest, age, byChannel);
        }, ct, System.Data.IsolationLevel.RepeatableRead);
    }
}
