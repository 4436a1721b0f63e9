using System.Runtime.CompilerServices;
using Npgsql;

namespace Promoter.State.Postgres;

public sealed record PostgresStateStoreOptions
{
    /// <summary>
    /// How long a claimed delivery stays leased without news from its worker. A live store renews the leases of its
    /// workers every third of this; a replica that dies (SIGKILL, node lost, cut off from the database) stops
    /// renewing and its deliveries become claimable by the others this long after. Null: a lease lasts as long as
    /// the caller asked (no renewal), as with SQLite.
    /// </summary>
    public TimeSpan? LeaseHeartbeat { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an outcome (sent, failed, rescheduled, deferred) is retried while the database cannot be reached (a
    /// restart, a failover) before it is given up and the lease left to expire. The outcome is idempotent.
    /// </summary>
    public TimeSpan OutcomeRetry { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks and completes the <c>state.postgres</c> connection string.</summary>
/// <remarks>
/// The host's settings reader, which runs on every start, SQLite included, names these. None is ever inlined: when the JIT
/// considers inlining a callee it reads the callee's body and loads Npgsql for its types, which would map Npgsql into
/// every SQLite process (about 1 MiB of RSS, measured idle) for a branch that never runs.
/// </remarks>
public static class PostgresConnection
{
    /// <summary>
    /// Checks a connection string as written in the configuration; null when it is usable, else what is wrong (the
    /// message never repeats the string, which could hold a password).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string? Validate(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            return $"not a PostgreSQL connection string ({e.Message.Split('\n')[0]}); write \"Host=db.example;Database=promoter;Username=promoter\"";
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            return "the connection string names no Host; write \"Host=db.example;Database=promoter;Username=promoter\"";
        }

        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            return "the connection string names no Database; add \";Database=promoter\" (create it first: CREATE DATABASE promoter)";
        }

        if (!string.IsNullOrEmpty(builder.Password))
        {
            return "the connection string holds a Password; move it to state.password_file (or state.password: \"${PGPASSWORD}\") so that it stays out of the configuration file";
        }

        return null;
    }

    /// <summary>The connection string to use: the configured one with the password and Promoter's defaults.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Build(string connectionString, string? password)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(password))
        {
            builder.Password = password;
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "promoter";
        }

        // A webhook must not hang on a database that is gone: Alertmanager's own timeout is 10 s, so give up sooner
        // and answer 503 (it retries). Defaults of Npgsql are 15 s to connect and 30 s per command.
        if (!connectionString.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 5;
        }

        return builder.ConnectionString;
    }

    /// <summary>Host, port and database, for messages: never the user's password.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Describe(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{b.Host}:{b.Port}/{b.Database}";
        }
        catch (ArgumentException)
        {
            return "(unreadable connection string)";
        }
    }
}
