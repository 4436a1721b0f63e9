using System.Globalization;
using System.Text.Json;
using Promoter.Abstractions.Model;
using Promoter.State.Postgres;
using Promoter.State.Sqlite;
using Promoter.Testing.Infrastructure;

namespace Promoter.State.Tests;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// A store for one test: a real SQLite file in a fresh temp folder, or a fresh database on the tests' PostgreSQL
/// server. The contract tests see only <see cref="IStateStore"/>, so the same tests run against both.
/// </summary>
public sealed class TempStore : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 22, 45, 0, TimeSpan.Zero);

    private readonly string? _folder;
    private readonly string? _postgres;
    private readonly List<IAsyncDisposable> _others = [];

    private TempStore(IStateStore store, ManualTimeProvider clock, string? folder, string? postgres)
    {
        Store = store;
        Clock = clock;
        _folder = folder;
        _postgres = postgres;
    }

    public string Folder => _folder ?? throw new InvalidOperationException("not a SQLite store");
    public string DatabasePath => Path.Combine(Folder, "state.db");
    public IStateStore Store { get; }
    public SqliteStateStore Sqlite => (SqliteStateStore)Store;
    public ManualTimeProvider Clock { get; }
    public bool IsPostgres => _postgres is not null;

    /// <summary>The PostgreSQL connection string (password included), or null for SQLite.</summary>
    public string? PostgresConnectionString => _postgres;

    public static async Task<TempStore> CreateAsync(SqliteStateStoreOptions? options = null)
    {
        var folder = TestPaths.NewTempDirectory("promoter-state");
        var clock = new ManualTimeProvider(T0);
        var store = SqliteStateStore.Open(Path.Combine(folder, "state.db"), clock, null,
            options ?? new SqliteStateStoreOptions());
        await store.InitializeAsync(CancellationToken.None);
        return new TempStore(store, clock, folder, null);
    }

    /// <summary>A fresh schema on <paramref name="server"/>; leases are not renewed (the clock is the test's).</summary>
    public static async Task<TempStore> CreatePostgresAsync(PostgresServer server, PostgresStateStoreOptions? options = null)
    {
        var clock = new ManualTimeProvider(T0);
        var connection = PostgresConnection.Build(await server.CreateSchemaAsync(), server.Password);
        var store = PostgresStateStore.Open(connection, clock, null, options ?? new PostgresStateStoreOptions { LeaseHeartbeat = null });
        await store.InitializeAsync(CancellationToken.None);
        return new TempStore(store, clock, null, connection);
    }

    public async Task<SqliteStateStore> OpenAnotherAsync(string path, SqliteStateStoreOptions? options = null)
    {
        var store = SqliteStateStore.Open(path, Clock, null, options ?? new SqliteStateStoreOptions());
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    /// <summary>Another replica on the same PostgreSQL database (the test's clock unless given); disposed with this one.</summary>
    public async Task<PostgresStateStore> OpenReplicaAsync(PostgresStateStoreOptions? options = null, TimeProvider? time = null)
    {
        var store = PostgresStateStore.Open(_postgres ?? throw new InvalidOperationException("not a PostgreSQL store"),
            time ?? Clock, null, options ?? new PostgresStateStoreOptions { LeaseHeartbeat = null });
        await store.InitializeAsync(CancellationToken.None);
        _others.Add(store);
        return store;
    }

    /// <summary>Runs SQL on the database behind the store's back (parameters as @name, which both engines read).</summary>
    public async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        System.Data.Common.DbConnection c = _postgres is not null
            ? new Npgsql.NpgsqlConnection(_postgres)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await using (c)
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = value;
                cmd.Parameters.Add(p);
            }

            return await cmd.ExecuteNonQueryAsync();
        }
    }

    public Task<EnqueueResult> EnqueueAsync(AlertGroup group, DateTimeOffset receivedAt, params string[] channels) =>
        Store.EnqueueAsync(new NewGroup(group, "{}", channels, receivedAt, DedupeKey.Compute(group),
            TimeSpan.FromMinutes(5)), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        foreach (var other in _others)
        {
            await other.DisposeAsync();
        }

        await Store.DisposeAsync();
        if (_folder is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>One PostgreSQL server for all the PostgreSQL tests of this assembly.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}

/// <summary>Builds groups for tests and reads the Alertmanager fixtures.</summary>
public static class Groups
{
    public static AlertGroup Firing(string alertName, string fingerprint, DateTimeOffset startsAt,
        string receiver = "ops", string? groupKey = null) => new()
    {
        Receiver = receiver,
        Status = "firing",
        GroupKey = groupKey ?? $"{{}}:{{alertname=\"{alertName}\"}}",
        Alerts =
        [
            new Alert
            {
                Status = "firing",
                Labels = new Dictionary<string, string> { ["alertname"] = alertName, ["severity"] = "critical" },
                Annotations = new Dictionary<string, string> { ["summary"] = alertName + " fires" },
                StartsAt = startsAt,
                EndsAt = default,
                Fingerprint = fingerprint,
                GeneratorUrl = "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
            },
        ],
    };

    public static AlertGroup Resolved(string alertName, string fingerprint, DateTimeOffset startsAt,
        DateTimeOffset endsAt, string receiver = "ops")
    {
        var firing = Firing(alertName, fingerprint, startsAt, receiver);
        return firing with
        {
            Status = "resolved",
            Alerts = [firing.Alerts[0] with { Status = "resolved", EndsAt = endsAt }],
        };
    }

    /// <summary>Maps an Alertmanager webhook body (version 4) to the model, the way the host's parser does.</summary>
    public static AlertGroup FromPayload(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new AlertGroup
        {
            Receiver = root.GetProperty("receiver").GetString()!,
            Status = root.GetProperty("status").GetString()!,
            Alerts = root.GetProperty("alerts").EnumerateArray().Select(a => new Alert
            {
                Status = a.GetProperty("status").GetString()!,
                Labels = Map(a, "labels"),
                Annotations = Map(a, "annotations"),
                StartsAt = Time(a, "startsAt"),
                EndsAt = Time(a, "endsAt"),
                GeneratorUrl = Text(a, "generatorURL"),
                Fingerprint = Text(a, "fingerprint"),
            }).ToList(),
            GroupLabels = Map(root, "groupLabels"),
            CommonLabels = Map(root, "commonLabels"),
            CommonAnnotations = Map(root, "commonAnnotations"),
            ExternalUrl = Text(root, "externalURL"),
            GroupKey = Text(root, "groupKey"),
            TruncatedAlerts = root.TryGetProperty("truncatedAlerts", out var t) ? t.GetInt32() : 0,
            NotificationReason = Text(root, "notificationReason"),
            RouteLabels = Map(root, "routeLabels"),
        };
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static DateTimeOffset Time(JsonElement e, string name) =>
        DateTimeOffset.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture,
            DateTimeStyles.RoundtripKind);

    private static Dictionary<string, string> Map(JsonElement e, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in v.EnumerateObject())
            {
                map[p.Name] = p.Value.GetString()!;
            }
        }

        return map;
    }
}

/// <summary>Field-by-field equality of groups, offsets and label order included (records compare the
/// dictionaries by reference).</summary>
public static class GroupAssert
{
    public static void Equal(AlertGroup expected, AlertGroup actual)
    {
        Assert.Equal(expected.Receiver, actual.Receiver);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.ExternalUrl, actual.ExternalUrl);
        Assert.Equal(expected.GroupKey, actual.GroupKey);
        Assert.Equal(expected.TruncatedAlerts, actual.TruncatedAlerts);
        Assert.Equal(expected.NotificationReason, actual.NotificationReason);
        Labels(expected.GroupLabels, actual.GroupLabels);
        Labels(expected.CommonLabels, actual.CommonLabels);
        Labels(expected.CommonAnnotations, actual.CommonAnnotations);
        Labels(expected.RouteLabels, actual.RouteLabels);
        Assert.Equal(expected.Alerts.Count, actual.Alerts.Count);
        for (var i = 0; i < expected.Alerts.Count; i++)
        {
            var e = expected.Alerts[i];
            var a = actual.Alerts[i];
            Assert.Equal(e.Status, a.Status);
            Assert.Equal(e.Fingerprint, a.Fingerprint);
            Assert.Equal(e.GeneratorUrl, a.GeneratorUrl);
            Time(e.StartsAt, a.StartsAt);
            Time(e.EndsAt, a.EndsAt);
            Labels(e.Labels, a.Labels);
            Labels(e.Annotations, a.Annotations);
        }
    }

    public static void Time(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected.Ticks, actual.Ticks);
        Assert.Equal(expected.Offset, actual.Offset);
    }

    public static void Labels(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual) =>
        Assert.Equal(expected.ToList(), actual.ToList());
}
