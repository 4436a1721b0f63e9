namespace Promoter.Abstractions.Model;

/// <summary>
/// One notification from Alertmanager: a group of alerts for one receiver, mirroring the webhook
/// payload (version 4). Times keep the offset they arrived with, as Go does.
/// </summary>
public sealed record AlertGroup
{
    /// <summary>The receiver name with Alertmanager's regex escaping removed (<c>team\.a</c> → <c>team.a</c>).</summary>
    public required string Receiver { get; init; }

    /// <summary><c>firing</c> if at least one alert fires, else <c>resolved</c>.</summary>
    public required string Status { get; init; }

    public required IReadOnlyList<Alert> Alerts { get; init; }
    public IReadOnlyDictionary<string, string> GroupLabels { get; init; } = EmptyLabels;
    public IReadOnlyDictionary<string, string> CommonLabels { get; init; } = EmptyLabels;
    public IReadOnlyDictionary<string, string> CommonAnnotations { get; init; } = EmptyLabels;
    public string ExternalUrl { get; init; } = "";
    public string GroupKey { get; init; } = "";
    public int TruncatedAlerts { get; init; }

    /// <summary>Alertmanager 0.32+: why this notification was sent ("first notification", …); empty before.</summary>
    public string NotificationReason { get; init; } = "";

    /// <summary>Alertmanager 0.34+ route labels; empty before.</summary>
    public IReadOnlyDictionary<string, string> RouteLabels { get; init; } = EmptyLabels;

    public IEnumerable<Alert> Firing => Alerts.Where(a => a.IsFiring);
    public IEnumerable<Alert> Resolved => Alerts.Where(a => !a.IsFiring);

    internal static readonly IReadOnlyDictionary<string, string> EmptyLabels =
        new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>One alert of a group.</summary>
public sealed record Alert
{
    public required string Status { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = AlertGroup.EmptyLabels;
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = AlertGroup.EmptyLabels;
    public DateTimeOffset StartsAt { get; init; }

    /// <summary>The resolve time; Go's zero time (<c>0001-01-01T00:00:00Z</c>, <c>default</c>) while firing.</summary>
    public DateTimeOffset EndsAt { get; init; }

    public string GeneratorUrl { get; init; } = "";
    public string Fingerprint { get; init; } = "";

    public bool IsFiring => string.Equals(Status, "firing", StringComparison.Ordinal);
    public string Name => Labels.TryGetValue("alertname", out var n) ? n : "";
}
