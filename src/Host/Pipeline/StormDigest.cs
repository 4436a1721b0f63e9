using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Merges a rate-limited channel's backlog into one message: the most severe alerts in full (with their charts), one
/// line and a link for each further alert, and counts by alert name and severity for all of them. An alert that
/// appears in several merged notifications is shown once, in its latest state.
/// </summary>
internal static class StormDigest
{
    /// <summary>Alerts shown in full: enough to act on the worst, few enough to read on a phone.</summary>
    public const int ShownInFull = 5;

    /// <summary>
    /// Alerts listed with one line each. About 150 bytes a line keeps the list near 7.5 KB, inside DingTalk's 20 KB
    /// message and two WeCom 4,096-byte parts; the rest are counted and one link away.
    /// </summary>
    public const int Listed = 50;

    /// <summary>One alert of the digest, with where it came from (to find its chart).</summary>
    public sealed record Member(Alert Alert, long GroupId, int AlertIndex);

    public sealed record Result(AlertGroup Group, NotificationDigest Digest, IReadOnlyList<Member> Shown);

    public static Result Build(IReadOnlyList<ClaimedDelivery> deliveries, string receiver, Uri? publicUrl)
    {
        ArgumentOutOfRangeException.ThrowIfZero(deliveries.Count);
        var latest = new Dictionary<string, Member>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var d in deliveries.OrderBy(d => d.DeliveryId))
        {
            for (var i = 0; i < d.Group.Alerts.Count; i++)
            {
                var alert = d.Group.Alerts[i];
                var key = alert.Fingerprint.Length > 0 ? alert.Fingerprint : string.Join(',', alert.Labels.OrderBy(l => l.Key, StringComparer.Ordinal));
                if (!latest.ContainsKey(key))
                {
                    order.Add(key);
                }

                latest[key] = new Member(alert, d.GroupId, i);
            }
        }

        var ranked = order.Select(k => latest[k])
            .OrderBy(m => m.Alert.IsFiring ? 0 : 1)
            .ThenBy(m => ChartBudget.SeverityRank(m.Alert))
            .ThenByDescending(m => m.Alert.StartsAt)
            .ToList();
        var shown = ranked.Take(ShownInFull).ToList();
        var listed = ranked.Skip(ShownInFull).Take(Listed).ToList();
        var base_ = publicUrl?.ToString().TrimEnd('/');

        var counts = ranked
            .GroupBy(m => (m.Alert.Name, Severity: Severity(m.Alert)))
            .Select(g => new DigestCount(g.Key.Name, g.Key.Severity, g.Count(m => m.Alert.IsFiring), g.Count(m => !m.Alert.IsFiring)))
            .OrderByDescending(c => c.Firing + c.Resolved)
            .ThenBy(c => c.AlertName, StringComparer.Ordinal)
            .ToList();

        var first = deliveries[0].Group;
        var shownAlerts = shown.Select(m => m.Alert).ToList();
        var group = new AlertGroup
        {
            Receiver = receiver,
            Status = shownAlerts.Any(a => a.IsFiring) ? "firing" : "resolved",
            Alerts = shownAlerts,
            CommonLabels = Common(shownAlerts),
            ExternalUrl = first.ExternalUrl,
            GroupKey = "",
        };

        var digest = new NotificationDigest
        {
            Notifications = deliveries.Count,
            Alerts = ranked.Count,
            Firing = ranked.Count(m => m.Alert.IsFiring),
            Resolved = ranked.Count(m => !m.Alert.IsFiring),
            Counts = counts,
            Others = listed.Select(m => new DigestEntry(m.Alert.Name, Severity(m.Alert), m.Alert.Status,
                m.Alert.Annotations.TryGetValue("summary", out var s) ? s : "", m.Alert.Fingerprint,
                base_ is null || m.Alert.Fingerprint.Length == 0 ? null : $"{base_}/alerts/{Uri.EscapeDataString(m.Alert.Fingerprint)}")).ToList(),
            Unlisted = ranked.Count - shown.Count - listed.Count,
            AlertsLink = base_ is null ? null : $"{base_}/?receiver={Uri.EscapeDataString(receiver)}",
        };
        return new Result(group, digest, shown);
    }

    private static string Severity(Alert a) => a.Labels.TryGetValue("severity", out var s) ? s : "";

    private static Dictionary<string, string> Common(List<Alert> alerts)
    {
        var common = new Dictionary<string, string>(StringComparer.Ordinal);
        if (alerts.Count == 0)
        {
            return common;
        }

        foreach (var (k, v) in alerts[0].Labels)
        {
            if (alerts.All(a => a.Labels.TryGetValue(k, out var w) && w == v))
            {
                common[k] = v;
            }
        }

        return common;
    }
}
