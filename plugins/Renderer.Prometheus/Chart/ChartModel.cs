using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;

namespace Promoter.Renderer.Prometheus.Chart;

internal sealed record ChartSeries(string Label, IReadOnlyList<Sample> Samples, bool IsThreshold = false)
{
    public double LastValue
    {
        get
        {
            for (var i = Samples.Count - 1; i >= 0; i--)
            {
                if (double.IsFinite(Samples[i].Value))
                {
                    return Samples[i].Value;
                }
            }

            return double.NaN;
        }
    }
}

/// <summary>Everything a chart shows, independent of how it is drawn.</summary>
internal sealed record ChartModel
{
    public required string Title { get; init; }
    public string Expression { get; init; } = "";
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(15);
    public IReadOnlyList<ChartSeries> Series { get; init; } = [];

    /// <summary>Series not drawn (only the top N are), shown as "+K more".</summary>
    public int HiddenSeries { get; init; }

    public double? Threshold { get; init; }
    public BreachDirection Direction { get; init; }
    public DateTimeOffset? FiringAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public Unit Unit { get; init; }

    /// <summary>Fixed bounds of the value axis (a Grafana panel's min/max); null lets the data decide.</summary>
    public double? Min { get; init; }

    public double? Max { get; init; }
}

/// <summary>How charts look: size, HiDPI scale, fonts, time zone and theme.</summary>
internal sealed record ChartStyle
{
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 400;
    public double Scale { get; init; } = 1;
    public string FontFamily { get; init; } = "DejaVu Sans, Noto Sans CJK SC, sans-serif";
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    public Theme Theme { get; init; } = Theme.Light;

    public int PixelWidth => (int)Math.Round(Width * Scale);
    public int PixelHeight => (int)Math.Round(Height * Scale);
}
