using System.Data;
using Npgsql;
using NpgsqlTypes;
using Promoter.Abstractions.Model;

namespace Promoter.State.Postgres;

/// <summary>The alert-history role (<see cref="IAlertHistory"/>): groups as accepted, latest state per alert, retention.</summary>
public sealed partial class PostgresStateStore
{
    public Task<AlertGroup?> GetGroupAsync(long groupId, CancellationToken ct) =>
        RunReadAsync("read the group", async (c, tx, token) =>
        {
            await using var cmd = Command(c, tx, "SELECT group_json FROM alert_groups WHERE id = @id");
            cmd.Parameters.AddWithValue("id", groupId);
            return await cmd.ExecuteScalarAsync(token).ConfigureAwait(false) is string json && TryReadGroup(json, out var group, out _) ? group : null;
        }, ct);

    public Task<IReadOnlyList<AlertRecord>> QueryAlertsAsync(AlertQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Status is not (null or "firing" or "resolved"))
        {
            throw new ArgumentException(
                $"Unknown alert status \"{query.Status}\": use \"firing\" or \"resolved\", or leave it out.",
                nameof(query));
        }

        var limit = Math.Clamp(query.Limit, 1, MaxQueryLimit);
        return RunAsync<IReadOnlyList<AlertRecord>>("query alerts", async (c, tx, token) =>
        {
            await using var cmd = Command(c, tx, """
                SELECT h.fingerprint, h.receiver, h.alert_name, h.status, h.labels_json, h.annotations_json,
                       h.starts_at, h.ends_at, h.generator_url, h.received_at, h.group_id, g.group_key,
                       s.first_received_at, s.notifications
                FROM (SELECT MAX(id) AS last_id, MIN(received_at) AS first_received_at, COUNT(*)::int AS notifications
                      FROM alert_history GROUP BY fingerprint, receiver) s
                JOIN alert_history h ON h.id = s.last_id
                JOIN alert_groups g ON g.id = h.group_id
                WHERE (@status IS NULL OR h.status = @status)
                  AND (@receiver IS NULL OR h.receiver = @receiver)
                  AND (@since IS NULL OR h.received_at >= @since)
                ORDER BY h.id DESC
                LIMIT @limit
                """);
            cmd.Parameters.Add(Nullable("status", NpgsqlDbType.Text, query.Status));
            cmd.Parameters.Add(Nullable("receiver", NpgsqlDbType.Text, query.Receiver));
            cmd.Parameters.Add(Nullable("since", NpgsqlDbType.Bigint, query.Since is { } since ? ToMs(since) : null));
            cmd.Parameters.AddWithValue("limit", limit);
            await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
            var records = new List<AlertRecord>();
            while (await r.ReadAsync(token).ConfigureAwait(false))
            {
                records.Add(new AlertRecord(
                    Fingerprint: r.GetString(0),
                    Receiver: r.GetString(1),
                    AlertName: r.GetString(2),
                    Status: r.GetString(3),
                    Labels: ReadLabels(r.GetString(4)),
                    Annotations: ReadLabels(r.GetString(5)),
                    StartsAt: ParseTime(r.GetString(6)),
                    EndsAt: r.IsDBNull(7) ? null : ParseTime(r.GetString(7)),
                    GeneratorUrl: r.GetString(8),
                    LastReceivedAt: FromMs(r.GetInt64(9)),
                    FirstReceivedAt: FromMs(r.GetInt64(12)),
                    Notifications: r.GetInt32(13),
                    LastGroupId: r.GetInt64(10),
                    GroupKey: r.GetString(11)));
            }

            return records;
        }, ct);
    }

    public Task<AlertHistory?> GetAlertHistoryAsync(string fingerprint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        return RunAsync("read an alert's history", async (c, tx, token) =>
        {
            // One read transaction: the changes and the deliveries come from the same snapshot.
            var changes = new List<AlertStateChange>();
            var alertName = "";
            IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>();
            var previous = new Dictionary<string, (string Status, DateTimeOffset StartsAt)>(StringComparer.Ordinal);
            await using (var cmd = Command(c, tx, """
                SELECT group_id, receiver, alert_name, status, labels_json, annotations_json, starts_at, ends_at,
                       received_at
                FROM alert_history WHERE fingerprint = @fingerprint ORDER BY id
                """))
            {
                cmd.Parameters.AddWithValue("fingerprint", fingerprint);
                await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await r.ReadAsync(token).ConfigureAwait(false))
                {
                    var receiver = r.GetString(1);
                    var status = r.GetString(3);
                    var startsAt = ParseTime(r.GetString(6));
                    var isRepeat = previous.TryGetValue(receiver, out var before)
                        && before.Status == status && before.StartsAt == startsAt;
                    previous[receiver] = (status, startsAt);
                    alertName = r.GetString(2);
                    labels = ReadLabels(r.GetString(4));
                    changes.Add(new AlertStateChange(
                        GroupId: r.GetInt64(0),
                        Receiver: receiver,
                        Status: status,
                        StartsAt: startsAt,
                        EndsAt: r.IsDBNull(7) ? null : ParseTime(r.GetString(7)),
                        ReceivedAt: FromMs(r.GetInt64(8)),
                        Annotations: ReadLabels(r.GetString(5)),
                        IsRepeat: isRepeat));
                }
            }

            if (changes.Count == 0)
            {
                return null;
            }

            var deliveries = new List<DeliveryRecord>();
            await using (var cmd = Command(c, tx, """
                SELECT id, group_id, channel, receiver, state, attempts, created_at, next_attempt_at,
                       last_attempt_at, finished_at, message_id, failure_reason, last_error, note
                FROM deliveries
                WHERE group_id IN (SELECT group_id FROM alert_history WHERE fingerprint = @fingerprint)
                ORDER BY id
                """))
            {
                cmd.Parameters.AddWithValue("fingerprint", fingerprint);
                await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await r.ReadAsync(token).ConfigureAwait(false))
                {
                    deliveries.Add(new DeliveryRecord(
                        DeliveryId: r.GetInt64(0),
                        GroupId: r.GetInt64(1),
                        Channel: r.GetString(2),
                        Receiver: r.GetString(3),
                        State: ParseState(r.GetString(4)),
                        Attempts: r.GetInt32(5),
                        CreatedAt: FromMs(r.GetInt64(6)),
                        NextAttemptAt: FromMs(r.GetInt64(7)),
                        LastAttemptAt: r.IsDBNull(8) ? null : FromMs(r.GetInt64(8)),
                        FinishedAt: r.IsDBNull(9) ? null : FromMs(r.GetInt64(9)),
                        MessageId: r.IsDBNull(10) ? null : r.GetString(10),
                        FailureReason: r.IsDBNull(11) ? null : r.GetString(11),
                        LastError: r.IsDBNull(12) ? null : r.GetString(12))
                    {
                        Note = r.IsDBNull(13) ? null : r.GetString(13),
                    });
                }
            }

            return new AlertHistory(fingerprint, alertName, labels, changes, deliveries);
        }, ct, IsolationLevel.RepeatableRead);
    }

    /// <summary>
    /// Retention, run by one replica at a time: the others find the advisory lock taken and skip this round (they
    /// would only delete the same rows, or wait on them).
    /// </summary>
    public async Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw NotInitialized();
        }

        var cutoff = ToMs(olderThan);
        var total = 0;
        NpgsqlConnection? holder = null;
        var locked = false;
        try
        {
            holder = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", holder))
            {
                take.Parameters.AddWithValue("key", PruneLockKey);
                locked = await take.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
                if (!locked)
                {
                    _logger.PruneBusy(_description);
                    return 0;
                }
            }

            // Small batches, each its own transaction: the webhook's intake waits for at most one batch.
            while (true)
            {
                var deleted = await RunAsync("prune history", async (c, tx, token) =>
                {
                    await using var cmd = Command(c, tx, """
                        DELETE FROM alert_groups WHERE id IN (
                            SELECT g.id FROM alert_groups g
                            WHERE g.received_at < @cutoff
                              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.group_id = g.id AND d.state = 'pending')
                            LIMIT @batch)
                        """);
                    cmd.Parameters.AddWithValue("cutoff", cutoff);
                    cmd.Parameters.AddWithValue("batch", PruneBatch);
                    return await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);
                total += deleted;
                if (deleted < PruneBatch)
                {
                    break;
                }
            }

            // Dedupe keys only matter within the dedupe window (at most a day), and past send slots not at all.
            await RunAsync("prune dedupe keys", async (c, tx, token) =>
            {
                await using var cmd = Command(c, tx, """
                    DELETE FROM dedupe_keys WHERE received_at < @cutoff;
                    DELETE FROM channel_slots WHERE slot_at < @cutoff;
                    """);
                cmd.Parameters.AddWithValue("cutoff", Math.Min(cutoff, ToMs(_time.GetUtcNow() - TimeSpan.FromDays(2))));
                return await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (!ct.IsCancellationRequested)
        {
            throw Unusable("could not prune history", ex);
        }
        finally
        {
            if (holder is not null)
            {
                // Unlocked explicitly: a pooled connection's session outlives its Dispose, and the lock with it.
                if (locked)
                {
                    try
                    {
                        await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", holder);
                        unlock.Parameters.AddWithValue("key", PruneLockKey);
                        await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (NpgsqlException)
                    {
                        // The connection is broken, and its session (with the lock) gone with it.
                    }
                }

                await holder.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (total > 0)
        {
            _logger.PostgresPruned(total, olderThan);
        }

        return total;
    }
}
