using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Model;

namespace Promoter.State.Sqlite;

/// <summary>
/// The embedded state store: one SQLite file in WAL mode. SQLite allows one writer at a time, so every write
/// goes to a single writer task owning the write connection. It runs the writes waiting at that moment in one
/// <c>BEGIN IMMEDIATE</c> transaction, each under its own savepoint, and commits once (group commit): with
/// synchronous=FULL a burst of webhooks pays one fsync, not one each, and a write that fails is rolled back
/// alone. A caller's task completes only after the commit. Reads use pooled connections of their own, which
/// WAL lets run beside the writer.
/// </summary>
public sealed partial class SqliteStateStore : IStateStore
{
    private const string Pending = "pending";
    private const string Succeeded = "succeeded";
    private const string Failed = "failed";

    // Bounds for text that comes from remote services, so a chatty error page cannot bloat the database.
    private const int MaxErrorLength = 4000;
    private const int MaxQueryLimit = 10_000;
    private const int PruneBatch = 200;

    // SQLite's own checkpoint runs inside the commit that crosses wal_autocheckpoint pages (default 1000), and
    // copying ~4 MB back into the database with an fsync costs that one webhook request 10–20 ms: the p99 of
    // the intake. So a background connection checkpoints every few dozen commits (a PASSIVE checkpoint runs
    // beside the writer, see sqlite.org/wal.html), and the automatic one stays only as a backstop.
    private const int CommitsPerCheckpoint = 32;
    private const int BackstopCheckpointPages = 10_000;
    private const long WalSizeLimitBytes = 16L * 1024 * 1024;

    // Bounds one group commit, so that the first caller of a long burst is not kept waiting for all of it.
    private const int MaxWritesPerCommit = 64;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SqliteStateStoreOptions _options;
    private readonly string _writerConnectionString;
    private readonly string _readerConnectionString;
    private readonly SemaphoreSlim _lifecycleLock = new(1, 1);
    private readonly Channel<PendingWrite> _writes =
        Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _checkpointRequests =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private FileStream? _processLock;
    private SqliteConnection? _writer;
    private Task? _writerLoop;
    private Task? _checkpointLoop;
    private int _commitsSinceCheckpoint;
    private bool _disposed;

    private SqliteStateStore(string path, TimeProvider time, ILogger logger, SqliteStateStoreOptions options)
    {
        _path = path;
        _time = time;
        _logger = logger;
        _options = options;
        var timeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));
        _writerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
        _readerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string DatabasePath => _path;

    /// <summary>Prepares a store on <paramref name="databasePath"/>; nothing is opened before
    /// <see cref="InitializeAsync"/>.</summary>
    public static SqliteStateStore Open(string databasePath, TimeProvider time, ILogger<SqliteStateStore>? logger) =>
        Open(databasePath, time, logger, new SqliteStateStoreOptions());

    public static SqliteStateStore Open(string databasePath, TimeProvider time, ILogger<SqliteStateStore>? logger,
        SqliteStateStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        return new SqliteStateStore(Path.GetFullPath(databasePath), time,
            (ILogger?)logger ?? NullLogger.Instance, options);
    }

    public async Task InitializeAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycleLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_writer is not null)
            {
                return;
            }

            CreateFolder();
            if (_options.SingleProcessLock)
            {
                _processLock = await AcquireProcessLockAsync(ct).ConfigureAwait(false);
            }

            var writer = new SqliteConnection(_writerConnectionString);
            try
            {
                writer.Open();
                var journalMode = Configure(writer);
                var version = Migrate(writer);
                _writer = writer;
                _writerLoop = Task.Run(() => WriterLoopAsync(writer), CancellationToken.None);
                _checkpointLoop = Task.Run(CheckpointLoopAsync, CancellationToken.None);
                _logger.Ready(_path, version, journalMode, _options.Durability);
            }
            catch
            {
                writer.Dispose();
                _processLock?.Dispose();
                _processLock = null;
                throw;
            }
        }
        catch (SqliteException ex)
        {
            throw Unusable("cannot be opened", ex);
        }
        finally
        {
            _lifecycleLock.Release();
        }
    }

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

    public Task<AlertGroup?> GetGroupAsync(long groupId, CancellationToken ct) =>
        ReadAsync("read the group", c =>
        {
            using var cmd = Command(c, null, "SELECT group_json FROM alert_groups WHERE id = $id");
            cmd.Parameters.AddWithValue("$id", groupId);
            return cmd.ExecuteScalar() is string json && TryReadGroup(json, out var group, out _) ? group : null;
        }, ct);

    public async Task<IReadOnlyList<StoredGroupImage>?> GetGroupImagesAsync(long groupId, CancellationToken ct) =>
        (await GetRenderedGroupAsync(groupId, ct).ConfigureAwait(false))?.Images;

    public Task<RenderedGroup?> GetRenderedGroupAsync(long groupId, CancellationToken ct) =>
        ReadAsync("read the group's images", c => ReadRendered(c, null, groupId), ct);

    private static RenderedGroup? ReadRendered(SqliteConnection c, SqliteTransaction? tx, long groupId)
    {
        using var cmd = Command(c, tx, """
            SELECT images_json, image_notes_json, images_saved_at FROM alert_groups
            WHERE id = $id AND images_json IS NOT NULL
            """);
        cmd.Parameters.AddWithValue("$id", groupId);
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        var images = JsonSerializer.Deserialize(r.GetString(0), StateJsonContext.Relaxed.IReadOnlyListStoredGroupImage)
            ?? [];
        IReadOnlyList<string> notes = r.IsDBNull(1)
            ? []
            : JsonSerializer.Deserialize(r.GetString(1), StateJsonContext.Relaxed.IReadOnlyListString) ?? [];
        return new RenderedGroup(images, notes, FromMs(r.IsDBNull(2) ? 0 : r.GetInt64(2)));
    }

    public Task<RenderedGroup> SaveGroupImagesAsync(long groupId, IReadOnlyList<StoredGroupImage> images,
        IReadOnlyList<string> notes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(notes);
        var imagesJson = JsonSerializer.Serialize(images, StateJsonContext.Relaxed.IReadOnlyListStoredGroupImage);
        var notesJson = JsonSerializer.Serialize(notes, StateJsonContext.Relaxed.IReadOnlyListString);
        var now = _time.GetUtcNow();
        return WriteAsync("save the group's images", (c, tx) =>
        {
            // When an earlier save won, it is read back in the same transaction: the caller gets what every channel shows.
            using (var cmd = Command(c, tx, """
                UPDATE alert_groups SET images_json = $images, image_notes_json = $notes, images_saved_at = $now
                WHERE id = $id AND images_json IS NULL
                """))
            {
                cmd.Parameters.AddWithValue("$id", groupId);
                cmd.Parameters.AddWithValue("$images", imagesJson);
                cmd.Parameters.AddWithValue("$notes", notesJson);
                cmd.Parameters.AddWithValue("$now", ToMs(now));
                if (cmd.ExecuteNonQuery() == 1)
                {
                    return new RenderedGroup(images, notes, FromMs(ToMs(now)));
                }
            }

            return ReadRendered(c, tx, groupId) ?? new RenderedGroup([], notes, now);
        }, ct);
    }

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
        return ReadAsync<IReadOnlyList<AlertRecord>>("query alerts", c =>
        {
            using var cmd = Command(c, null, """
                SELECT h.fingerprint, h.receiver, h.alert_name, h.status, h.labels_json, h.annotations_json,
                       h.starts_at, h.ends_at, h.generator_url, h.received_at, h.group_id, g.group_key,
                       s.first_received_at, s.notifications
                FROM (SELECT MAX(id) AS last_id, MIN(received_at) AS first_received_at, COUNT(*) AS notifications
                      FROM alert_history GROUP BY fingerprint, receiver) s
                JOIN alert_history h ON h.id = s.last_id
                JOIN alert_groups g ON g.id = h.group_id
                WHERE ($status IS NULL OR h.status = $status)
                  AND ($receiver IS NULL OR h.receiver = $receiver)
                  AND ($since IS NULL OR h.received_at >= $since)
                ORDER BY h.id DESC
                LIMIT $limit
                """);
            cmd.Parameters.AddWithValue("$status", (object?)query.Status ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$receiver", (object?)query.Receiver ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$since", query.Since is { } since ? ToMs(since) : DBNull.Value);
            cmd.Parameters.AddWithValue("$limit", limit);
            using var r = cmd.ExecuteReader();
            var records = new List<AlertRecord>();
            while (r.Read())
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
        return ReadAsync("read an alert's history", c =>
        {
            // One read transaction: the changes and the deliveries come from the same snapshot.
            using var tx = c.BeginTransaction(deferred: true);
            var changes = new List<AlertStateChange>();
            var alertName = "";
            IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>();
            var previous = new Dictionary<string, (string Status, DateTimeOffset StartsAt)>(StringComparer.Ordinal);
            using (var cmd = Command(c, tx, """
                SELECT group_id, receiver, alert_name, status, labels_json, annotations_json, starts_at, ends_at,
                       received_at
                FROM alert_history WHERE fingerprint = $fingerprint ORDER BY id
                """))
            {
                cmd.Parameters.AddWithValue("$fingerprint", fingerprint);
                using var r = cmd.ExecuteReader();
                while (r.Read())
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
            using (var cmd = Command(c, tx, """
                SELECT id, group_id, channel, receiver, state, attempts, created_at, next_attempt_at,
                       last_attempt_at, finished_at, message_id, failure_reason, last_error, note
                FROM deliveries
                WHERE group_id IN (SELECT group_id FROM alert_history WHERE fingerprint = $fingerprint)
                ORDER BY id
                """))
            {
                cmd.Parameters.AddWithValue("$fingerprint", fingerprint);
                using var r = cmd.ExecuteReader();
                while (r.Read())
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

            tx.Commit();
            return new AlertHistory(fingerprint, alertName, labels, changes, deliveries);
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

    public async Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken ct)
    {
        var cutoff = ToMs(olderThan);
        var total = 0;
        // Small batches, each its own transaction: the webhook's intake waits for at most one batch.
        while (true)
        {
            var deleted = await WriteAsync("prune history", (c, tx) =>
            {
                using var cmd = Command(c, tx, """
                    DELETE FROM alert_groups WHERE id IN (
                        SELECT g.id FROM alert_groups g
                        WHERE g.received_at < $cutoff
                          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.group_id = g.id AND d.state = 'pending')
                        LIMIT $batch)
                    """);
                cmd.Parameters.AddWithValue("$cutoff", cutoff);
                cmd.Parameters.AddWithValue("$batch", PruneBatch);
                return cmd.ExecuteNonQuery();
            }, ct).ConfigureAwait(false);
            total += deleted;
            if (deleted < PruneBatch)
            {
                break;
            }
        }

        if (total > 0)
        {
            _logger.Pruned(total, olderThan);
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _lifecycleLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            // Writes already queued still commit before the connection closes.
            _writes.Writer.TryComplete();
            if (_writerLoop is not null)
            {
                await _writerLoop.ConfigureAwait(false);
            }

            _checkpointRequests.Writer.TryComplete();
            if (_checkpointLoop is not null)
            {
                await _checkpointLoop.ConfigureAwait(false);
            }

            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            using var probe = new SqliteConnection(_readerConnectionString);
            SqliteConnection.ClearPool(probe);
            if (_processLock is not null)
            {
                await _processLock.DisposeAsync().ConfigureAwait(false);
                _processLock = null;
            }
        }
        finally
        {
            _lifecycleLock.Release();
        }
    }

    private Task<T> WriteAsync<T>(string operation, Func<SqliteConnection, SqliteTransaction, T> work,
        CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is null)
        {
            throw NotInitialized();
        }

        var write = new PendingWrite<T>(operation, work, ct);
        if (!_writes.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteStateStore));
        }

        return write.Task;
    }

    private async Task WriterLoopAsync(SqliteConnection writer)
    {
        var batch = new List<PendingWrite>(MaxWritesPerCommit);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxWritesPerCommit && _writes.Reader.TryRead(out var write))
            {
                if (!write.CancelIfRequested())
                {
                    batch.Add(write);
                }
            }

            if (batch.Count > 0)
            {
                CommitBatch(writer, batch);
            }
        }
    }

    private void CommitBatch(SqliteConnection writer, List<PendingWrite> batch)
    {
        var done = new List<PendingWrite>(batch.Count);
        var started = _time.GetTimestamp();
        try
        {
            var changesBefore = SQLitePCL.raw.sqlite3_total_changes(writer.Handle);
            using (var tx = writer.BeginTransaction(deferred: false))
            {
                foreach (var write in batch)
                {
                    tx.Save("w");
                    try
                    {
                        write.Execute(writer, tx);
                        tx.Release("w");
                        done.Add(write);
                    }
                    catch (Exception ex)
                    {
                        tx.Rollback("w");
                        tx.Release("w");
                        write.Fail(ex is SqliteException sqlite ? Unusable($"could not {write.Operation}", sqlite) : ex);
                    }
                }

                tx.Commit();
            }

            StateMetrics.CommitDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
            StateMetrics.WritesPerCommit.Record(batch.Count);

            // Only commits that wrote rows grow the WAL (an empty claim poll does not).
            if (SQLitePCL.raw.sqlite3_total_changes(writer.Handle) != changesBefore
                && ++_commitsSinceCheckpoint >= CommitsPerCheckpoint)
            {
                _commitsSinceCheckpoint = 0;
                _checkpointRequests.Writer.TryWrite(true);
            }
        }
        catch (Exception ex)
        {
            // BEGIN or COMMIT failed (locked, disk full, I/O error): nothing of the batch is on disk. Caught
            // whatever it is, so that the writer task lives on and later writes do not wait forever.
            StateMetrics.CommitFailures.Add(1);
            foreach (var write in batch)
            {
                write.Fail(ex is SqliteException sqlite ? Unusable($"could not {write.Operation}", sqlite) : ex);
            }

            return;
        }

        foreach (var write in done)
        {
            write.Complete();
        }
    }

    /// <summary>A write waiting for the writer task; its result is handed out only after the commit.</summary>
    private abstract class PendingWrite(string operation, CancellationToken ct)
    {
        public string Operation { get; } = operation;

        protected CancellationToken CancellationToken { get; } = ct;

        public abstract void Execute(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception error);

        /// <summary>True (and the caller's task cancelled) when the caller gave up before the write ran.</summary>
        public abstract bool CancelIfRequested();
    }

    private sealed class PendingWrite<T>(string operation, Func<SqliteConnection, SqliteTransaction, T> work,
        CancellationToken ct) : PendingWrite(operation, ct)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override void Execute(SqliteConnection connection, SqliteTransaction transaction) =>
            _result = work(connection, transaction);

        public override void Complete() => _completion.TrySetResult(_result);

        public override void Fail(Exception error) => _completion.TrySetException(error);

        public override bool CancelIfRequested() =>
            CancellationToken.IsCancellationRequested && _completion.TrySetCanceled(CancellationToken);
    }

    private Task<T> ReadAsync<T>(string operation, Func<SqliteConnection, T> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is null)
        {
            throw NotInitialized();
        }

        try
        {
            using var c = new SqliteConnection(_readerConnectionString);
            c.Open();
            return Task.FromResult(work(c));
        }
        catch (SqliteException ex)
        {
            throw Unusable($"could not {operation}", ex);
        }
    }

    private async Task CheckpointLoopAsync()
    {
        await using var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            connection.Open();
            using var cmd = Command(connection, null, "PRAGMA wal_checkpoint(PASSIVE)");
            while (await _checkpointRequests.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                _checkpointRequests.Reader.TryRead(out _);
                try
                {
                    cmd.ExecuteNonQuery();
                }
                catch (SqliteException ex)
                {
                    // Not fatal: the next request tries again, and the backstop checkpoint still bounds the WAL.
                    _logger.CheckpointFailed(_path, ex.Message);
                }
            }
        }
        catch (SqliteException ex)
        {
            _logger.CheckpointFailed(_path, ex.Message);
        }
    }

    /// <summary>
    /// An exclusive lock on <c>&lt;database&gt;.lock</c> for the life of the store: <see cref="RecoverAsync"/>
    /// clears every lease, which is only right when no other process works on the same file. A second
    /// process (an overlapping restart) waits up to the busy timeout for the first to exit, then fails.
    /// .NET takes FileShare.None as an flock(2) lock on Unix, which the kernel drops when a process dies.
    /// </summary>
    private async Task<FileStream> AcquireProcessLockAsync(CancellationToken ct)
    {
        var lockPath = _path + ".lock";
        var deadline = _time.GetUtcNow() + _options.BusyTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new StateStoreException(
                    $"State database {_path}: cannot create {lockPath} ({ex.Message}). The folder must be " +
                    "writable by the user running Promoter.", ex);
            }
            catch (IOException) when (_time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new StateStoreException(
                    $"State database {_path} is in use by another Promoter process (it holds {lockPath}). Stop " +
                    "that process first, or give each instance its own state.sqlite; several replicas need the " +
                    "PostgreSQL state store.", ex);
            }
        }
    }

    private void CreateFolder()
    {
        var folder = Path.GetDirectoryName(_path);
        if (string.IsNullOrEmpty(folder) || Directory.Exists(folder))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreException(
                $"State database {_path}: cannot create its folder ({ex.Message}). Create the folder or choose " +
                "another path for state.sqlite, writable by the user running Promoter.", ex);
        }
    }

    private string Configure(SqliteConnection writer)
    {
        // journal_mode is stored in the file; the others are per connection.
        string journalMode;
        using (var cmd = Command(writer, null, "PRAGMA journal_mode = WAL"))
        {
            journalMode = Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
        }

        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            _logger.NotWal(_path, journalMode);
        }

        var synchronous = _options.Durability == SqliteDurability.Full ? "FULL" : "NORMAL";
        var busyMs = (long)Math.Max(0, _options.BusyTimeout.TotalMilliseconds);
        using (var cmd = Command(writer, null, $"""
            PRAGMA synchronous = {synchronous};
            PRAGMA foreign_keys = ON;
            PRAGMA busy_timeout = {busyMs};
            PRAGMA wal_autocheckpoint = {BackstopCheckpointPages};
            PRAGMA journal_size_limit = {WalSizeLimitBytes};
            """))
        {
            cmd.ExecuteNonQuery();
        }

        return journalMode;
    }

    private int Migrate(SqliteConnection writer)
    {
        using (var create = Command(writer, null, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                description TEXT    NOT NULL,
                applied_at  INTEGER NOT NULL
            )
            """))
        {
            create.ExecuteNonQuery();
        }

        int current;
        using (var read = Command(writer, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version"))
        {
            current = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        if (current > SqliteSchema.LatestVersion)
        {
            throw new StateStoreException(
                $"State database {_path} has schema version {current}, written by a newer Promoter; this build " +
                $"knows versions up to {SqliteSchema.LatestVersion}. Run the newer Promoter, or point state.sqlite " +
                "at another file.");
        }

        foreach (var migration in SqliteSchema.Migrations.Where(m => m.Version > current))
        {
            using var tx = writer.BeginTransaction(deferred: false);
            using (var apply = Command(writer, tx, migration.Sql))
            {
                apply.ExecuteNonQuery();
            }

            using (var record = Command(writer, tx,
                "INSERT INTO schema_version (version, description, applied_at) VALUES ($v, $d, $at)"))
            {
                record.Parameters.AddWithValue("$v", migration.Version);
                record.Parameters.AddWithValue("$d", migration.Description);
                record.Parameters.AddWithValue("$at", ToMs(_time.GetUtcNow()));
                record.ExecuteNonQuery();
            }

            tx.Commit();
            _logger.Migrated(_path, migration.Version, migration.Description);
            current = migration.Version;
        }

        return current;
    }

    private static bool TryReadGroup(string json, [NotNullWhen(true)] out AlertGroup? group,
        [NotNullWhen(false)] out string? error)
    {
        try
        {
            var stored = JsonSerializer.Deserialize(json, StateJsonContext.Relaxed.StoredGroup);
            if (stored is null || stored.Format != StoredGroup.CurrentFormat)
            {
                group = null;
                error = $"stored group format {stored?.Format.ToString(CultureInfo.InvariantCulture) ?? "null"}, " +
                    $"this build reads format {StoredGroup.CurrentFormat}";
                return false;
            }

            group = stored.ToAlertGroup();
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            group = null;
            error = "the stored group is not valid JSON: " + ex.Message;
            return false;
        }
    }

    private StateStoreException Unusable(string what, SqliteException ex)
    {
        var hint = ex.SqliteErrorCode switch
        {
            26 => " The file is not a SQLite database: point state.sqlite at Promoter's database or a new file.",
            5 or 6 => " The database stayed locked: another program (a sqlite3 shell, a second Promoter) holds it.",
            8 or 14 => " Check that the file and its folder are writable by the user running Promoter.",
            13 => " The disk is full.",
            _ => "",
        };
        return new StateStoreException($"State database {_path}: {what}: {ex.Message}{hint}", ex);
    }

    private static InvalidOperationException NotInitialized() =>
        new("The state store is not initialized: call InitializeAsync first.");

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private static IReadOnlyDictionary<string, string> ReadLabels(string json) =>
        JsonSerializer.Deserialize(json, StateJsonContext.Relaxed.IReadOnlyDictionaryStringString)
        ?? new Dictionary<string, string>();

    private static DeliveryState ParseState(string state) => state switch
    {
        Pending => DeliveryState.Pending,
        Succeeded => DeliveryState.Succeeded,
        _ => DeliveryState.Failed,
    };

    private static string? Bounded(string? text) =>
        text is { Length: > MaxErrorLength } ? text[..MaxErrorLength] + "…" : text;

    // Go's zero time (0001-01-01T00:00:00Z) marks "not resolved yet".
    private static bool IsGoZeroTime(DateTimeOffset t) => t.UtcTicks < TimeSpan.TicksPerDay;

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "o", CultureInfo.InvariantCulture, DateTimeStyles.None);

    private static long ToMs(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
