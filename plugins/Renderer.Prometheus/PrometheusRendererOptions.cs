using Promoter.Renderer.Prometheus.Chart;

namespace Promoter.Renderer.Prometheus;

/// <summary>The settings of one <c>type: prometheus</c> renderer, after validation.</summary>
internal sealed record PrometheusRendererOptions
{
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How much history before startsAt a firing chart shows at least.</summary>
    public TimeSpan Lead { get; init; } = TimeSpan.FromMinutes(15);

    public int Points { get; init; } = 300;
    public int MaxSeries { get; init; } = 5;
    public string QueryAnnotation { get; init; } = "promoter_query";
    public string ThresholdAnnotation { get; init; } = "promoter_threshold";
    public string UnitAnnotation { get; init; } = "promoter_unit";
    public ChartStyle Style { get; init; } = new();
}
