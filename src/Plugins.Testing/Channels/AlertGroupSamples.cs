using System.Globalization;
using System.Text.Json;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;

namespace Promoter.Testing.Channels;

/// <summary>Alert groups for channel tests: the real Alertmanager fixtures, and synthetic big groups.</summary>
public static class AlertGroupSamples
{
    /// <summary>One firing alert, as Alertmanager 0.25 sends it (shipped inside this assembly).</summary>
    public static AlertGroup FiringSingle => Parse(KitResources.Text("firing-single.json"));

    /// <summary>The same alert resolved.</summary>
    public static AlertGroup Resolved => Parse(KitResources.Text("resolved.json"));

    /// <summary>Parses an Alertmanager v4 webhook body (the receiver's regex escaping is removed).</summary>
    public static AlertGroup Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new AlertGroup
        {
            Receiver = Unquote(Str(root, "receiver")),
            Status = Str(root, "status"),
            Alerts = root.GetProperty("alerts").EnumerateArray().Select(a => new Alert
            {
                Status = Str(a, "status"),
                Labels = Map(a, "labels"),
                Annotations = Map(a, "annotations"),
                StartsAt = Time(a, "startsAt"),
                EndsAt = Time(a, "endsAt"),
                GeneratorUrl = Str(a, "generatorURL"),
                Fingerprint = Str(a, "fingerprint"),
            }).ToList(),
            GroupLabels = Map(root, "groupLabels"),
            CommonLabels = Map(root, "commonLabels"),
            CommonAnnotations = Map(root, "commonAnnotations"),
            ExternalUrl = Str(root, "externalURL"),
            GroupKey = Str(root, "groupKey"),
            TruncatedAlerts = root.TryGetProperty("truncatedAlerts", out var t) ? t.GetInt32() : 0,
        };
    }

    /// <summary>A firing group of <paramref name="count"/> alerts, each with a description of about
    /// <paramref name="descriptionLength"/> characters, for size-limit tests.</summary>
    public static AlertGroup Many(int count, int descriptionLength = 100, string status = "firing")
    {
        var start = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
        var alerts = Enumerable.Range(0, count).Select(i => new Alert
        {
            Status = status,
            Labels = new Dictionary<string, string>
            {
                ["alertname"] = "DiskFull",
                ["instance"] = $"node-{i:D3}:9100",
                ["severity"] = "critical",
            },
            Annotations = new Dictionary<string, string>
            {
                ["summary"] = $"disk {i} almost full",
                ["description"] = new string('x', descriptionLength),
            },
            StartsAt = start,
            EndsAt = status == "firing" ? DateTimeOffset.MinValue : start.AddMinutes(5),
            GeneratorUrl = "http://prometheus:9090/graph?g0.expr=disk_free+%3C+0.1&g0.tab=1",
            Fingerprint = i.ToString("x16", CultureInfo.InvariantCulture),
        }).ToList();
        return new AlertGroup
        {
            Receiver = "ops",
            Status = status,
            Alerts = alerts,
            GroupLabels = new Dictionary<string, string> { ["alertname"] = "DiskFull" },
            CommonLabels = new Dictionary<string, string> { ["alertname"] = "DiskFull", ["severity"] = "critical" },
            ExternalUrl = "http://alertmanager:9093",
            GroupKey = "{}:{alertname=\"DiskFull\"}",
        };
    }

    /// <summary>A notification for <paramref name="group"/> with one chart per alert.</summary>
    public static Notification Notify(AlertGroup group, bool withImages = false, bool publicImages = true, string? previousMessageId = null,
        string? resumeToken = null, string deliveryId = "delivery-1")
    {
        ArgumentNullException.ThrowIfNull(group);
        var images = withImages
            ? group.Alerts.Select((a, i) => new NotificationImage
            {
                AlertIndex = i,
                Title = $"{a.Name} chart {i}",
                Url = new Uri($"https://images.example.com/charts/{i}.png"),
                IsUrlPublic = publicImages,
                Content = TinyPng,
                Width = 1,
                Height = 1,
            }).ToList()
            : [];
        return new Notification
        {
            DeliveryId = deliveryId,
            Group = group,
            Images = images,
            PreviousMessageId = previousMessageId,
            ResumeToken = resumeToken,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>A valid 1×1 PNG.</summary>
    public static ReadOnlyMemory<byte> TinyPng { get; } = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static DateTimeOffset Time(JsonElement e, string name) =>
        DateTimeOffset.Parse(Str(e, name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static Dictionary<string, string> Map(JsonElement e, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in m.EnumerateObject())
            {
                result[p.Name] = p.Value.GetString() ?? "";
            }
        }

        return result;
    }

    private static string Unquote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            sb.Append(s[i]);
        }

        return sb.ToString();
    }
}
