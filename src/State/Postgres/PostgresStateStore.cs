using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Promoter.Abstractions.Model;

namespace Promoter.State.Postgres;

/// <summary>
/// The shared state store for several replicas: one PostgreSQL database, the same roles and behaviour as the SQLite
/// store (one contract test suite runs against both). What differs is what replicas need: migrations run under an
/// advisory lock (replicas starting together apply them once); claims lock rows with <c>FOR UPDATE SKIP LOCKED</c>
/// so two replicas never hand out the same delivery; a lease is renewed by the store that holds it and runs out when
/// that replica dies; dedupe goes through a primary key; retention runs in one replica at a time; rate-limited
/// channels reserve their send slots in a shared table. Every operation is one transaction on a pooled connection;
/// a database that cannot be reached surfaces as <see cref="StateStoreException"/> (the webhook answers 503).
/// </summary>
public sealed partial class PostgresStateStore : IStateStore, IChannelSlots
{
    private const string Pending = "pending";
    private const string Succeeded = "succeeded";
    private const string Failed = "failed";
    private const int MaxErrorLength = 4000;
    private const int MaxQueryLimit = 10_000;
    private const int PruneBatch = 200;

    // Advisory lock keys (pg_advisory_lock takes a bigint): arbitrary constants of this program, "PRMT" + a number.
    private const long MigrationLockKey = 0x50524D54_00000001;
    private const long PruneLockKey = 0x50524D54_00000002;

    private readonly string _description;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PostgresStateStoreOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    /// <summary>
    /// The deliveries this process handed out and has heard no outcome for: the heartbeat renews exactly these, up to
    /// the lease their worker asked for. A claim whose commit was lost with the connection never gets here, so its
    /// rows run out after one heartbeat lease instead of being renewed for nobody.
    /// </summary>
    private readonly ConcurrentDictionary<long, (string Owner, long MaxUntil)> _held = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _lifecycleLock = new(1, 1);
    private Task? _heartbeat;
    private bool _initialized;
    private bool _disposed;

    private PostgresStateStore(string connectionString, TimeProvider time, ILogger logger,
        PostgresStateStoreOptions options)
    {
        _description = PostgresConnection.Describe(connectionString);
        _time = time;
        _logger = logger;
        _options = options;
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>
    /// Prepares a store on the database named by <paramref name="connectionString"/> (complete, password included: see
    /// <see cref="PostgresConnection.Build"/>); nothing is opened before <see cref="InitializeAsync"/>.
    /// </summary>
    public static PostgresStateStore Open(string connectionString, TimeProvider time,
        ILogger<PostgresStateStore>? logger, PostgresStateStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(time);
        return new PostgresStateStore(connectionString, time, (ILogger?)logger ?? NullLogger.Instance,
            options ?? new PostgresStateStoreOptions());
    }

    /// <summary>Host, port and database (never the password), for messages.</summary>
    public string Description => _description;

    public async Task InitializeAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycleLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            var version = await MigrateAsync(ct).ConfigureAwait(false);
            _initialized = true;
            if (_options.LeaseHeartbeat is { } heartbeat)
            {
                _heartbeat = Task.Run(() => HeartbeatLoopAsync(heartbeat, _stopping.Token), CancellationToken.None);
            }

            _logger.PostgresReady(_description, version);
        }
        catch (NpgsqlException ex)
        {
            throw Unusable("cannot be opened", ex);
        }
        finally
        {
            _lifecycleLock.Release();
        }
    }

    /// <summary>
    /// Applies the missing migrations, each in its own transaction, while holding a session advisory lock: replicas
    /// that start together wait for each other, and the second finds the schema current.
    /// </summary>
    private async Task<int> MigrateAsync(CancellationToken ct)
    {
        await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", c))
        {
            lockCmd.Parameters.AddWithValue("key", MigrationLockKey);
            await lockCmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        try
        {
            await using (var create = new NpgsqlCommand("""
                CREATE TABLE IF NOT EXISTS schema_version (
                    version     INTEGER PRIMARY KEY,
                    description TEXT    NOT NULL,
                    applied_at  BIGINT  NOT NULL
                )
                """, c))
            {
                await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            int current;
            await using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", c))
            {
                current = Convert.ToInt32(await read.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            if (current > PostgresSchema.LatestVersion)
            {
                throw new StateStoreException(
                    $"State database {_description} has schema version {current}, newer than this build knows " +
                    $"({PostgresSchema.LatestVersion}): run the newer Promoter, or point state.postgres at another database.");
            }

            foreach (var m in PostgresSchema.Migrations.Where(m => m.Version > current))
            {
                await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (var apply = new NpgsqlCommand(m.Sql, c, tx))
                {
                    await apply.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await using (var record = new NpgsqlCommand(
                    "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @at)", c, tx))
                {
                    record.Parameters.AddWithValue("v", m.Version);
                    record.Parameters.AddWithValue("d", m.Description);
                    record.Parameters.AddWithValue("at", ToMs(_time.GetUtcNow()));
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
                _logger.PostgresMigrated(_description, m.Version, m.Description);
                current = m.Version;
            }

            return current;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", c);
            unlock.Parameters.AddWithValue("key", MigrationLockKey);
            try
            {
                await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The lock is a session lock: closing the connection releases it too.
            }
        }
    }

    public async Task<StoreHealth> CheckHealthAsync(CancellationToken ct)
    {
        if (!_initialized || _disposed)
        {
            return new StoreHealth(false, "the state store is not open");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var c = await _dataSource.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand("SELECT 1", c);
            await cmd.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return new StoreHealth(true, null);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new StoreHealth(false, $"PostgreSQL {_description} does not answer: {FirstLine(e.Message)}");
        }
    }

    /// <summary>
    /// Renews the leases of this process's workers. Without it a lease would have to outlast the longest send (the
    /// dispatcher asks for 15 minutes), and a replica that died would hold its deliveries that long.
    /// </summary>
    private async Task HeartbeatLoopAsync(TimeSpan ttl, CancellationToken stop)
    {
        var every = ttl / 3;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = ToMs(_time.GetUtcNow());
            foreach (var (id, held) in _held)
            {
                if (held.MaxUntil <= now)
                {
                    _held.TryRemove(id, out _);
                }
            }

            var leases = _held.ToArray();
            if (leases.Length == 0)
            {
                continue;
            }

            try
            {
                await RunAsync("renew leases", async (c, tx, token) =>
                {
                    await using var cmd = Command(c, tx, """
                        UPDATE deliveries d SET leased_until = LEAST(@until, h.max_until)
                        FROM unnest(@ids, @owners, @maxes) AS h(id, owner, max_until)
                        WHERE d.id = h.id AND d.lease_owner = h.owner AND d.state = 'pending' AND d.leased_until > @now
                        """);
                    cmd.Parameters.AddWithValue("until", now + (long)ttl.TotalMilliseconds);
                    cmd.Parameters.AddWithValue("ids", leases.Select(l => l.Key).ToArray());
                    cmd.Parameters.AddWithValue("owners", leases.Select(l => l.Value.Owner).ToArray());
                    cmd.Parameters.AddWithValue("maxes", leases.Select(l => l.Value.MaxUntil).ToArray());
                    cmd.Parameters.AddWithValue("now", now);
                    return await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }, stop).ConfigureAwait(false);
            }
            catch (StateStoreException e)
            {
                _logger.HeartbeatFailed(_description, e.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(false);
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _lifecycleLock.Dispose();
    }

    /// <summary>One transaction on a pooled connection; database errors become <see cref="StateStoreException"/>.</summary>
    private async Task<T> RunAsync<T>(string operation, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work,
        CancellationToken ct, IsolationLevel isolation = IsolationLevel.ReadCommitted)
    {
        ct.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw NotInitialized();
        }

        try
        {
            await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await c.BeginTransactionAsync(isolation, ct).ConfigureAwait(false);
            var result = await work(c, tx, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }
        catch (NpgsqlException ex) when (!ct.IsCancellationRequested)
        {
            throw Unusable($"could not {operation}", ex);
        }
    }

    /// <summary>
    /// An outcome write, retried while the database is unreachable (a restart, a failover) for up to
    /// <see cref="PostgresStateStoreOptions.OutcomeRetry"/>: the send already happened, and losing its outcome would
    /// send it again once the lease runs out. Every outcome is idempotent (it only changes a pending delivery).
    /// </summary>
    private Task<T> RunOutcomeAsync<T>(string operation,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
        RunRetryingAsync(operation, work, _options.OutcomeRetry, ct);

    /// <summary>
    /// A read the dispatcher needs in the middle of a delivery (the group, its charts, the last message id), retried
    /// briefly while the database restarts: giving up would leave the delivery leased until its lease runs out.
    /// </summary>
    private Task<T> RunReadAsync<T>(string operation,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
        RunRetryingAsync(operation, work, TimeSpan.FromSeconds(10), ct);

    private async Task<T> RunRetryingAsync<T>(string operation,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, TimeSpan budget, CancellationToken ct)
    {
        var giveUp = _time.GetUtcNow() + budget;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await RunAsync(operation, work, ct).ConfigureAwait(false);
            }
            catch (StateStoreException e) when (e.InnerException is NpgsqlException { IsTransient: true }
                                                && _time.GetUtcNow() + delay < giveUp && !_disposed)
            {
                _logger.OutcomeRetry(operation, FirstLine(e.Message));
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(3).Ticks));
            }
        }
    }

    private StateStoreException Unusable(string what, NpgsqlException ex)
    {
        var hint = ex switch
        {
            PostgresException { SqlState: "28P01" or "28000" } =>
                " Check the user in state.postgres and the password in state.password_file.",
            PostgresException { SqlState: "3D000" } => " Create the database first (CREATE DATABASE …).",
            PostgresException { SqlState: "42501" } => " The user may not create tables: grant it CREATE on the schema.",
            PostgresException { SqlState: "53100" } => " The database server's disk is full.",
            PostgresException => "",
            _ => " Is the server running and reachable?",
        };
        return new StateStoreException($"State database {_description}: {what}: {FirstLine(ex.Message)}.{hint}", ex);
    }

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('.', ' ', '\r');

    private static InvalidOperationException NotInitialized() =>
        new("The state store is not initialized: call InitializeAsync first.");

    private static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql) => new(sql, c, tx);

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

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
