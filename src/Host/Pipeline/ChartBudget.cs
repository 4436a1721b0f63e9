using Promoter.Abstractions.Model;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Which alerts of a group get charts, within a receiver's <c>max_charts</c>: firing before resolved, then the most
/// severe, then in the group's order. An alert whose rule sets the annotation <c>promoter_chart: off</c> gets none.
/// Charts beyond the budget are never drawn: in a storm of large groups they would cost Prometheus queries and CPU
/// for pictures nobody sees.
/// </summary>
internal static class ChartBudget
{
    /// <summary>The annotation that turns a rule's chart off (<c>off</c>, <c>false</c>, <c>no</c> or <c>none</c>).</summary>
    public const string ChartAnnotation = "promoter_chart";

    public static bool WantsChart(Alert alert) =>
        !(alert.Annotations.TryGetValue(ChartAnnotation, out var v)
          && v.Trim().ToLowerInvariant() is "off" or "false" or "no" or "none" or "0");

    /// <summary>Indexes of the alerts that want a chart, most deserving first.</summary>
    public static IReadOnlyList<int> Order(AlertGroup group) => Enumerable.Range(0, group.Alerts.Count)
        .Where(i => WantsChart(group.Alerts[i]))
        .OrderBy(i => group.Alerts[i].IsFiring ? 0 : 1)
        .ThenBy(i => SeverityRank(group.Alerts[i]))
        .ThenBy(i => i)
        .ToList();

    /// <summary>
    /// 0 for the most severe. The names cover the conventions in common use (Prometheus' mixins: critical / warning /
    /// info; PagerDuty's: critical / error / warning / info; "page" and "ticket" from the SRE book); unknown last.
    /// </summary>
    public static int SeverityRank(Alert alert) =>
        (alert.Labels.TryGetValue("severity", out var s) ? s.Trim().ToLowerInvariant() : "") switch
        {
            "critical" or "page" or "fatal" or "emergency" or "p1" => 0,
            "error" or "high" or "major" or "p2" => 1,
            "warning" or "warn" or "medium" or "minor" or "ticket" or "p3" => 2,
            "info" or "low" or "notice" or "p4" => 3,
            "" => 5,
            _ => 4,
        };
}
