using System.Globalization;
using System.Text.Json;
using Promoter.Abstractions.Model;
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

/// <summary>A store on a real SQLite file in a fresh temp folder.</summary>
public sealed class TempStore : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 22, 45, 0, TimeSpan.Zero);

    private TempStore(string folder, SqliteStateStore store, ManualTimeProvider clock)
    {
        Folder = folder;
        Store = store;
        Clock = clock;
    }

    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "state.db");
    public SqliteStateStore Store { get; }
    public ManualTimeProvider Clock { get; }

    public static async Task<TempStore> CreateAsync(SqliteStateStoreOptions? options = null)
    {
        var folder = TestPaths.NewTempDirectory("promoter-state");
        var clock = new ManualTimeProvider(T0);
        var store = SqliteStateStore.Open(Path.Combine(folder, "state.db"), clock, null,
            options ?? new SqliteStateStoreOptions());
        await store.InitializeAsync(CancellationToken.None);
        return new TempStore(folder, store, clock);
    }

    public async Task<SqliteStateStore> OpenAnotherAsync(string path, SqliteStateStoreOptions? options = null)
    {
        var store = SqliteStateStore.Open(path, Clock, null, options ?? new SqliteStateStoreOptions());
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    public Task<EnqueueResult> EnqueueAsync(AlertGroup group, DateTimeOffset receivedAt, params string[] channels) =>
        Store.EnqueueAsync(new NewGroup(group, "{}", channels, receivedAt, DedupeKey.Compute(group),
            TimeSpan.FromMinutes(5)), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
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
