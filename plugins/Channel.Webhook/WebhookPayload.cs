using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;

namespace Promoter.Channel.Webhook;

/// <summary>
/// Alertmanager's webhook body (version 4, the same JSON field names) plus, per alert, the chart
/// <c>images</c> as <c>[{"url","title"}]</c> (Promoter's AlertImage names).
/// </summary>
internal sealed record WebhookPayload(
    [property: JsonPropertyName("receiver")] string Receiver,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("alerts")] IReadOnlyList<WebhookAlert> Alerts,
    [property: JsonPropertyName("groupLabels")] IReadOnlyDictionary<string, string> GroupLabels,
    [property: JsonPropertyName("commonLabels")] IReadOnlyDictionary<string, string> CommonLabels,
    [property: JsonPropertyName("commonAnnotations")] IReadOnlyDictionary<string, string> CommonAnnotations,
    [property: JsonPropertyName("externalURL")] string ExternalUrl,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("groupKey")] string GroupKey,
    [property: JsonPropertyName("truncatedAlerts")] int TruncatedAlerts)
{
    /// <summary>Alertmanager 0.32+ only; omitted when unknown, as older Alertmanagers do.</summary>
    [JsonPropertyName("notification_reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NotificationReason { get; init; }

    /// <summary>Promoter's storm digest (when this message merges a backlog); omitted otherwise. <c>alerts</c> then
    /// holds the alerts shown in full.</summary>
    [JsonPropertyName("digest")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NotificationDigest? Digest { get; init; }

    /// <summary>Promoter's notes for the reader (charts not drawn, …); omitted when there are none.</summary>
    [JsonPropertyName("notes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Notes { get; init; }

    public static WebhookPayload From(Notification notification)
    {
        var group = notification.Group;
        var alerts = group.Alerts.Select((a, i) => new WebhookAlert(
            a.Status, a.Labels, a.Annotations, GoTime(a.StartsAt), GoTime(a.EndsAt), a.GeneratorUrl, a.Fingerprint,
            notification.Images.Where(img => img.AlertIndex == i && img.Url is not null)
                .Select(img => new WebhookImage(img.Url!.AbsoluteUri, img.Title)).ToList())).ToList();
        return new WebhookPayload(QuoteMeta(group.Receiver), group.Status, alerts, group.GroupLabels, group.CommonLabels, group.CommonAnnotations,
            group.ExternalUrl, "4", group.GroupKey, group.TruncatedAlerts)
        {
            NotificationReason = group.NotificationReason.Length == 0 ? null : group.NotificationReason,
            Digest = notification.Digest,
            Notes = notification.Notes.Count == 0 ? null : notification.Notes,
        };
    }

    /// <summary>Go's time.Time JSON form (RFC 3339 with trailing fractional zeros trimmed, Z for UTC).</summary>
    internal static string GoTime(DateTimeOffset t)
    {
        var sb = new StringBuilder(t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        var fraction = t.ToString("fffffff", CultureInfo.InvariantCulture).TrimEnd('0');
        if (fraction.Length > 0)
        {
            sb.Append('.').Append(fraction);
        }

        if (t.Offset == TimeSpan.Zero)
        {
            sb.Append('Z');
        }
        else
        {
            sb.Append(t.Offset < TimeSpan.Zero ? '-' : '+').Append(t.Offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>Alertmanager sends the receiver through Go's regexp.QuoteMeta; do the same so sinks see what they saw before.</summary>
    internal static string QuoteMeta(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (@"\.+*?()|[]{}^$".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}

internal sealed record WebhookAlert(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt")] string StartsAt,
    [property: JsonPropertyName("endsAt")] string EndsAt,
    [property: JsonPropertyName("generatorURL")] string GeneratorUrl,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("images")] IReadOnlyList<WebhookImage> Images);

internal sealed record WebhookImage(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("title")] string Title);

[JsonSerializable(typeof(WebhookPayload))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
