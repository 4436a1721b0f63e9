using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;

namespace Promoter.Renderer.Prometheus.Tests;

/// <summary>Synthetic chart models for the drawing tests and the example images.</summary>
public static class ChartSamples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 21, 23, 30, 0, TimeSpan.Zero);

    internal static List<Sample> Wave(int points, double baseValue, double amplitude, double phase = 0, int stepSeconds = 15, DateTimeOffset? end = null)
    {
        var to = (end ?? Now).ToUnixTimeSeconds();
        var from = to - ((points - 1) * stepSeconds);
        return Enumerable.Range(0, points)
            .Select(i => new Sample(from + (i * stepSeconds), baseValue + (amplitude * Math.Sin((i / 18.0) + phase)) + (amplitude * 0.3 * Math.Sin(i * 1.7))))
            .ToList();
    }

    internal static ChartModel Firing(int series = 3, int points = 240) => new()
    {
        Title = "HighCpuUsage",
        Expression = "avg by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])) > 0.8",
        From = Now.AddHours(-1),
        To = Now,
        Step = TimeSpan.FromSeconds(15),
        Series = Enumerable.Range(0, series)
            .Select(i => new ChartSeries($"{{instance=\"node-{i + 1}:9100\"}}", Wave(points, 0.55 + (i * 0.12), 0.18, i)))
            .ToList(),
        Threshold = 0.8,
        Direction = BreachDirection.Above,
        FiringAt = Now.AddMinutes(-22),
        Unit = Unit.PercentUnit,
    };
}
