using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Promoter.Abstractions.Model;

namespace Promoter.State;

/// <summary>
/// How an <see cref="AlertGroup"/> is kept in the database: our own versioned shape rather than the
/// Alertmanager payload, so a claim reads back exactly what the webhook parsed (receiver unescaped, times with
/// their offsets, labels in their order) without parsing the payload again.
/// </summary>
internal sealed record StoredGroup(
    int Format,
    string Receiver,
    string Status,
    IReadOnlyList<StoredAlert> Alerts,
    IReadOnlyDictionary<string, string> GroupLabels,
    IReadOnlyDictionary<string, string> CommonLabels,
    IReadOnlyDictionary<string, string> CommonAnnotations,
    string ExternalUrl,
    string GroupKey,
    int TruncatedAlerts,
    string NotificationReason,
    IReadOnlyDictionary<string, string> RouteLabels)
{
    public const int CurrentFormat = 1;

    public static StoredGroup From(AlertGroup g) => new(CurrentFormat, g.Receiver, g.Status,
        g.Alerts.Select(a => new StoredAlert(a.Status, a.Labels, a.Annotations, a.StartsAt, a.EndsAt,
            a.GeneratorUrl, a.Fingerprint)).ToList(),
        g.GroupLabels, g.CommonLabels, g.CommonAnnotations, g.ExternalUrl, g.GroupKey, g.TruncatedAlerts,
        g.NotificationReason, g.RouteLabels);

    public AlertGroup ToAlertGroup() => new()
    {
        Receiver = Receiver,
        Status = Status,
        Alerts = Alerts.Select(a => new Alert
        {
            Status = a.Status,
            Labels = a.Labels,
            Annotations = a.Annotations,
            StartsAt = a.StartsAt,
            EndsAt = a.EndsAt,
            GeneratorUrl = a.GeneratorUrl,
            Fingerprint = a.Fingerprint,
        }).ToList(),
        GroupLabels = GroupLabels,
        CommonLabels = CommonLabels,
        CommonAnnotations = CommonAnnotations,
        ExternalUrl = ExternalUrl,
        GroupKey = GroupKey,
        TruncatedAlerts = TruncatedAlerts,
        NotificationReason = NotificationReason,
        RouteLabels = RouteLabels,
    };
}

internal sealed record StoredAlert(
    string Status,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string GeneratorUrl,
    string Fingerprint);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredGroup))]
[JsonSerializable(typeof(IReadOnlyList<StoredGroupImage>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class StateJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Non-ASCII kept as is (label values are often Chinese) so that the rows stay readable with the sqlite3
    /// shell; the JSON never ends up in HTML, where the relaxed escaping would matter.
    /// </summary>
    public static StateJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    });
}
