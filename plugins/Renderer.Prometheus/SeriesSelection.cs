using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;

namespace Promoter.Renderer.Prometheus;

/// <summary>Which series of a result a chart shows.</summary>
internal static class SeriesSelection
{
    /// <summary>
    /// The series whose every label (except __name__) is among the alert's labels with the same value: the
    /// alert was produced from exactly those. Otherwise the top <paramref name="max"/> by last value (the lowest
    /// first when the alert fires below its threshold), with the count of the others.
    /// </summary>
    public static (IReadOnlyList<PrometheusSeries> Shown, int Hidden) Select(
        IReadOnlyList<PrometheusSeries> all, IReadOnlyDictionary<string, string>? alertLabels, BreachDirection direction, int max)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (alertLabels is { Count: > 0 })
        {
            var matching = all.Where(s => s.Samples.Count > 0 && Matches(s.Labels, alertLabels)).ToList();
            if (matching.Count > 0)
            {
                return (matching.Take(max).ToList(), Math.Max(0, matching.Count - max));
            }
        }

        var lowFirst = direction is BreachDirection.Below or BreachDirection.BelowOrEqual;
        var ordered = all
            .OrderBy(s => double.IsNaN(s.LastValue) ? 1 : 0)
            .ThenBy(s => lowFirst ? s.LastValue : -s.LastValue)
            .ToList();
        return (ordered.Take(max).ToList(), Math.Max(0, ordered.Count - max));
    }

    public static bool Matches(IReadOnlyDictionary<string, string> seriesLabels, IReadOnlyDictionary<string, string> alertLabels)
    {
        foreach (var (k, v) in seriesLabels)
        {
            if (k == "__name__")
            {
                continue;
            }

            if (!alertLabels.TryGetValue(k, out var av) || !string.Equals(av, v, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Legend names in Prometheus notation, leaving out labels every shown series shares.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<PrometheusSeries> series, string query)
    {
        ArgumentNullException.ThrowIfNull(series);
        var common = new HashSet<string>(StringComparer.Ordinal);
        if (series.Count > 1)
        {
            foreach (var (k, v) in series[0].Labels)
            {
                if (series.All(s => s.Labels.TryGetValue(k, out var o) && o == v))
                {
                    common.Add(k);
                }
            }
        }

        return series.Select(s =>
        {
            var labels = s.Labels.Where(kv => kv.Key != "__name__" && !common.Contains(kv.Key))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => $"{kv.Key}=\"{kv.Value}\"")
                .ToList();
            var name = common.Contains("__name__") ? "" : s.MetricName ?? "";
            if (labels.Count == 0)
            {
                return name.Length > 0 ? name : query;
            }

            return name + "{" + string.Join(", ", labels) + "}";
        }).ToList();
    }
}
