using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Grafana.Client;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Grafana;

/// <summary>Creates <c>type: grafana</c> renderers from their configuration section.</summary>
internal sealed class GrafanaRendererFactory : RendererFactory<GrafanaRendererOptions>
{
    public override string Type => "grafana";

    protected override GrafanaRendererOptions? Prepare(RendererSetup setup)
    {
        var s = setup.Settings;
        var url = s.GetUrl("url", required: true, fix: "write Grafana's base URL, such as url: http://grafana:3000 (with its sub-path if it has one)")
                  ?? new Uri("http://localhost:3000/");
        if (!url.AbsolutePath.EndsWith('/'))
        {
            url = new UriBuilder(url) { Path = url.AbsolutePath + "/" }.Uri;
        }

        // token_file for a service-account token; api_key(_file) is the older name of the same thing.
        var token = s.GetSecret("token");
        var apiKey = s.GetSecret("api_key");
        if (token is not null && apiKey is not null)
        {
            s.AddError("api_key", "both token and api_key are set", "keep only token_file (api_key is its older name)");
        }

        token ??= apiKey;

        var allowed = new HashSet<string>(StringComparer.Ordinal) { GrafanaClient.HostKey(url) };
        foreach (var host in s.GetStringList("allowed_hosts"))
        {
            var h = host.Trim().ToLowerInvariant();
            if (h.Length == 0 || h.Contains('/', StringComparison.Ordinal) || h.Contains('@', StringComparison.Ordinal) || h.Contains('*', StringComparison.Ordinal))
            {
                s.AddError("allowed_hosts", $"'{host}' is not a host name", "write host names or host:port, such as grafana.example.com or grafana:3000 (no scheme, path or wildcard)");
                continue;
            }

            allowed.Add(h);
        }

        var prometheusUrl = s.GetUrl("prometheus_url");
        var mode = s.GetChoice("mode", "auto", "auto", "native", "render");
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2));
        var renderTimeout = s.GetDuration("render_timeout", TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var maxImage = s.GetByteSize("max_image_size", 10L * 1024 * 1024, 1024, 100L * 1024 * 1024);
        var window = s.GetDuration("window", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromDays(31));
        var lead = s.GetDuration("lead", TimeSpan.FromMinutes(15), TimeSpan.Zero, TimeSpan.FromDays(7));
        var points = s.GetInt("points", 300, 10, QueryStep.MaxPoints);
        var maxSeries = s.GetInt("max_series", 5, 1, 20);
        var scrape = s.GetDuration("scrape_interval", TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var authRetry = s.GetDuration("auth_retry_after", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var width = s.GetInt("width", 800, 200, 4000);
        var height = s.GetInt("height", 400, 150, 3000);
        var scale = s.GetDouble("scale", 1, 0.5, 4);
        var fontFamily = s.GetString("font_family", "DejaVu Sans, Noto Sans CJK SC, sans-serif");
        var theme = s.GetChoice("theme", "light", "light", "dark");
        var (zone, zoneName) = ReadTimeZone(s);

        if (mode != "render" && LibRsvg.Probe() is { } missing)
        {
            s.Diagnostics.Add(s.Node.Location, s.Path, missing, "install librsvg (" + LibRsvg.InstallHint + "), or set mode: render to use only Grafana's renderer");
        }

        return new GrafanaRendererOptions
        {
            Url = url,
            Token = token,
            AllowedHosts = allowed,
            Mode = mode,
            PrometheusUrl = prometheusUrl,
            Timeout = timeout,
            RenderTimeout = renderTimeout,
            MaxImageBytes = maxImage,
            Window = window,
            Lead = lead,
            Points = points,
            MaxSeries = maxSeries,
            ScrapeInterval = scrape,
            AuthRetryAfter = authRetry,
            UrlAnnotation = s.GetString("url_annotation", "grafana_panel_url"),
            TimeZoneName = zoneName,
            Style = new ChartStyle
            {
                Width = width,
                Height = height,
                Scale = scale,
                FontFamily = fontFamily,
                Theme = Theme.ByName(theme),
                TimeZone = zone,
            },
        };
    }

    protected override IAlertRenderer Build(GrafanaRendererOptions options, RendererSetup setup)
    {
        var services = setup.Services;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Promoter.Renderer.Grafana") ?? NullLogger.Instance;
        var meter = services.GetService<IMeterFactory>()?.Create("Promoter") ?? FallbackMeter.Value;
        return new GrafanaRenderer(options, SharedHttp.Value, services.GetService<TimeProvider>() ?? TimeProvider.System, logger, meter);
    }

    // Redirects are followed by GrafanaClient itself, one checked hop at a time (a redirect to another host must
    // not be followed blindly); timeouts are per request.
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    { Timeout = Timeout.InfiniteTimeSpan });

    private static readonly Lazy<Meter> FallbackMeter = new(() => new Meter("Promoter"));

    private static (TimeZoneInfo Zone, string Name) ReadTimeZone(PluginSettings s)
    {
        var name = s.GetString("timezone");
        if (string.IsNullOrWhiteSpace(name) || string.Equals(name, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            return (TimeZoneInfo.Utc, "UTC");
        }

        try
        {
            return (TimeZoneInfo.FindSystemTimeZoneById(name.Trim()), name.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            s.AddError("timezone", $"'{name}' is not a known time zone", "write an IANA name such as Asia/Shanghai or Europe/Berlin, or UTC (Grafana's renderer gets the same name as tz=)");
            return (TimeZoneInfo.Utc, "UTC");
        }
    }
}
