using Promoter.Renderer.Prometheus.Chart;

namespace Promoter.Renderer.Grafana;

/// <summary>The settings of one <c>type: grafana</c> renderer, after validation.</summary>
internal sealed record GrafanaRendererOptions
{
    /// <summary>Grafana's base URL, with a trailing slash (a sub-path such as /grafana/ is kept).</summary>
    public required Uri Url { get; init; }

    /// <summary>The service-account token (sent as Bearer); null when Grafana allows anonymous reads.</summary>
    public string? Token { get; init; }

    /// <summary>Hosts (host or host:port, lower case) whose panel URLs may be fetched; always includes <see cref="Url"/>'s.</summary>
    public required IReadOnlySet<string> AllowedHosts { get; init; }

    /// <summary><c>auto</c> (native where possible, else Grafana's renderer), <c>native</c> or <c>render</c>.</summary>
    public string Mode { get; init; } = "auto";

    /// <summary>Query Prometheus directly instead of through Grafana's data source proxy.</summary>
    public Uri? PrometheusUrl { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan RenderTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public long MaxImageBytes { get; init; } = 10L * 1024 * 1024;
    public long MaxDashboardBytes { get; init; } = 4L * 1024 * 1024;
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan Lead { get; init; } = TimeSpan.FromMinutes(15);
    public int Points { get; init; } = 300;
    public int MaxSeries { get; init; } = 5;

    /// <summary>The scrape interval Grafana's <c>$__rate_interval</c> assumes (the data source's setting; 15s by default).</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long requests with the configured token are not sent again after Grafana refused it.</summary>
    public TimeSpan AuthRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    public string UrlAnnotation { get; init; } = "grafana_panel_url";
    public string TimeZoneName { get; init; } = "UTC";
    public ChartStyle Style { get; init; } = new();
}
