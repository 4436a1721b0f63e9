using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Merges a rate-limited channel's backlog into one message: the most severe alerts in full (with their charts), one
/// line and a link for each further alert, and counts by alert name and severity for all of them. An alert that
/// appears in several merged notifications is shown once, in its latest state.
/// </summary>
/// <remarks>
/// Members are folded in one at a time (<see cref="Add"/>) and only a few fields of each alert are kept, so a digest
/// of 500 notifications holds a few hundred bytes per alert instead of 500 parsed groups. Held through the send,
/// those groups were what set the alert storm's peak memory (bench/Storm). The few alerts shown in full are read
/// back from the state store when the digest is built.
/// </remarks>
internal sealed class StormDigest
{
    /// <summary>Alerts shown in full: enough to act on the worst, few enough to read on a phone.</summary>
    public const int ShownInFull = 5;

    /// <summary>
    /// Alerts listed with one line each. About 150 bytes a line keeps the list near 7.5 KB, inside DingTalk's 20 KB
    /// message and two WeCom 4,096-byte parts; the rest are counted and one link away.
    /// </summary>
    public const int Listed = 50;

    /// <summary>
    /// Stands in for a member's group once the digest has taken what it needs from it: the outcome of a member is
    /// recorded from its delivery fields alone.
    /// </summary>
    public static readonly AlertGroup Folded = new() { Receiver = "", Status = "", Alerts = [] };

    /// <summary>One alert shown in full, with where it came from (to find its chart).</summary>
    public sealed record Member(Alert Alert, long GroupId, int AlertIndex);

    /// <param name="Groups">The groups of the alerts shown in full, by group id.</param>
    public sealed record Result(AlertGroup Group, NotificationDigest Digest, IReadOnlyList<Member> Shown,
        IReadOnlyDictionary<long, AlertGroup> Groups);

    /// <summary>What the digest keeps of one alert: its latest state and where that came from.</summary>
    private sealed record Entry(long DeliveryId, int AlertIndex, long GroupId, (long DeliveryId, int AlertIndex) FirstSeen,
        string Name, string Severity, int SeverityRank, bool IsFiring, string Status, DateTimeOffset StartsAt,
        string Summary, string Fingerprint);

    private readonly Dictionary<string, Entry> _latest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private (long DeliveryId, string ExternalUrl)? _first;

    /// <summary>Notifications folded in so far.</summary>
    public int Notifications { get; private set; }

    /// <summary>Folds one claimed notification into the digest; the caller may drop its group afterwards.</summary>
    public void Add(ClaimedDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        Notifications++;
        if (_first is not { } first || delivery.DeliveryId < first.DeliveryId)
        {
            _first = (delivery.DeliveryId, delivery.Group.ExternalUrl);
        }

        var alerts = delivery.Group.Alerts;
        for (var i = 0; i < alerts.Count; i++)
        {
            var alert = alerts[i];
            var key = alert.Fingerprint.Length > 0 ? alert.Fingerprint : string.Join(',', alert.Labels.OrderBy(l => l.Key, StringComparer.Ordinal));
            var seen = (delivery.DeliveryId, i);
            if (_latest.TryGetValue(key, out var known))
            {
                if ((known.DeliveryId, known.AlertIndex).CompareTo(seen) > 0)
                {
                    // A later notification already gave this alert's state; keep only when it was first seen.
                    _latest[key] = known with { FirstSeen = Min(known.FirstSeen, seen) };
                    continue;
                }

                seen = Min(known.FirstSeen, seen);
            }

            _latest[key] = new Entry(delivery.DeliveryId, i, delivery.GroupId, seen, Intern(alert.Name), Intern(SeverityOf(alert)),
                ChartBudget.SeverityRank(alert), alert.IsFiring, alert.IsFiring ? "firing" : Intern(alert.Status), alert.StartsAt,
                alert.Annotations.TryGetValue("summary", out var s) ? s : "", alert.Fingerprint);
        }
    }

    /// <summary>
    /// The digest of everything folded in. <paramref name="loadGroup"/> reads back the groups of the alerts shown in
    /// full; an alert whose group cannot be read is listed instead of shown, so it is still in the message.
    /// </summary>
    public async Task<Result> BuildAsync(string receiver, Uri? publicUrl,
        Func<long, CancellationToken, Task<AlertGroup?>> loadGroup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loadGroup);
        if (Notifications == 0)
        {
            throw new InvalidOperationException("A digest needs at least one notification.");
        }

        // Stable ordering: ties keep the order in which the alerts were first seen, by delivery.
        var ranked = _latest.Values
            .OrderBy(e => e.IsFiring ? 0 : 1)
            .ThenBy(e => e.SeverityRank)
            .ThenByDescending(e => e.StartsAt)
            .ThenBy(e => e.FirstSeen)
            .ToList();

        var groups = new Dictionary<long, AlertGroup>();
        var shown = new List<Member>();
        var next = 0;
        var demoted = new List<Entry>();
        for (; next < ranked.Count && shown.Count < ShownInFull; next++)
        {
            var entry = ranked[next];
            if (!groups.TryGetValue(entry.GroupId, out var group))
            {
                if (await loadGroup(entry.GroupId, cancellationToken) is not { } loaded)
                {
                    demoted.Add(entry);
                    continue;
                }

                groups[entry.GroupId] = group = loaded;
            }

            if (entry.AlertIndex < group.Alerts.Count)
            {
                shown.Add(new Member(group.Alerts[entry.AlertIndex], entry.GroupId, entry.AlertIndex));
            }
            else
            {
                demoted.Add(entry);
            }
        }

        var listed = demoted.Concat(ranked.Skip(next)).Take(Listed).ToList();
        var base_ = publicUrl?.ToString().TrimEnd('/');
        var counts = ranked
            .GroupBy(e => (e.Name, e.Severity))
            .Select(g => new DigestCount(g.Key.Name, g.Key.Severity, g.Count(e => e.IsFiring), g.Count(e => !e.IsFiring)))
            .OrderByDescending(c => c.Firing + c.Resolved)
            .ThenBy(c => c.AlertName, StringComparer.Ordinal)
            .ToList();

        var shownAlerts = shown.Select(m => m.Alert).ToList();
        var digestGroup = new AlertGroup
        {
            Receiver = receiver,
            Status = shownAlerts.Any(a => a.IsFiring) ? "firing" : "resolved",
            Alerts = shownAlerts,
            CommonLabels = Common(shownAlerts),
            ExternalUrl = _first?.ExternalUrl ?? "",
            GroupKey = "",
        };

        var digest = new NotificationDigest
        {
            Notifications = Notifications,
            Alerts = ranked.Count,
            Firing = ranked.Count(e => e.IsFiring),
            Resolved = ranked.Count(e => !e.IsFiring),
            Counts = counts,
            Others = listed.Select(e => new DigestEntry(e.Name, e.Severity, e.Status, e.Summary, e.Fingerprint,
                base_ is null || e.Fingerprint.Length == 0 ? null : $"{base_}/alerts/{Uri.EscapeDataString(e.Fingerprint)}")).ToList(),
            Unlisted = ranked.Count - shown.Count - listed.Count,
            AlertsLink = base_ is null ? null : $"{base_}/?receiver={Uri.EscapeDataString(receiver)}",
        };
        return new Result(digestGroup, digest, shown, groups);
    }

    private static (long, int) Min((long, int) a, (long, int) b) => a.CompareTo(b) <= 0 ? a : b;

    private static string SeverityOf(Alert a) => a.Labels.TryGetValue("severity", out var s) ? s : "";

    /// <summary>Alert names and severities repeat across a storm: one string each.</summary>
    private string Intern(string value)
    {
        if (_names.TryGetValue(value, out var known))
        {
            return known;
        }

        _names.Add(value);
        return value;
    }

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
