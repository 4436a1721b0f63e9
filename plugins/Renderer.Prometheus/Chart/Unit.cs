namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>How values are labelled. Names follow Grafana's unit ids where one exists.</summary>
internal enum Unit
{
    /// <summary>Plain numbers with SI prefixes (k, M, G…).</summary>
    Short,
    Bytes,
    Seconds,

    /// <summary>Values already in percent (0–100).</summary>
    Percent,

    /// <summary>Ratios (0–1) shown as percent.</summary>
    PercentUnit,
}
