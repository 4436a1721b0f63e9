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

    /// <summary>A read round trip on a pooled connection: fails when the file became unreadable.</summary>
    public async Task<StoreHealth> CheckHealthAsync(CancellationToken ct)
    {
        if (_writer is null || _disposed)
        {
            return new StoreHealth(false, "the state store is not open");
        }

        try
        {
            await ReadAsync("check the state store", c =>
            {
                using var cmd = Command(c, null, "SELECT 1");
                return cmd.ExecuteScalar();
            }, ct).ConfigureAwait(false);
            return new StoreHealth(true, null);
        }
        catch (StateStoreException e)
        {
            return new StoreHealth(false, e.Message);
        }
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
