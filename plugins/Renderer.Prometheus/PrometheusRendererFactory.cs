using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus;

/// <summary>Creates <c>type: prometheus</c> renderers from their configuration section.</summary>
internal sealed class PrometheusRendererFactory : RendererFactory<PrometheusRendererFactory.Prepared>
{
    public const string HttpClientName = "promoter.renderer.prometheus";

    public override string Type => "prometheus";

    protected override Prepared? Prepare(RendererSetup setup)
    {
        var s = setup.Settings;
        var url = s.GetUrl("url", required: true, fix: "write the Prometheus base URL, such as url: http://prometheus:9090")
                  ?? new Uri("http://localhost:9090");
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var window = s.GetDuration("window", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromDays(31));
        var lead = s.GetDuration("lead", TimeSpan.FromMinutes(15), TimeSpan.Zero, TimeSpan.FromDays(7));
        var points = s.GetInt("points", 300, 10, QueryStep.MaxPoints);
        var width = s.GetInt("width", 800, 200, 4000);
        var height = s.GetInt("height", 400, 150, 3000);
        var scale = s.GetDouble("scale", 1, 0.5, 4);
        var fontFamily = s.GetString("font_family", "DejaVu Sans, Noto Sans CJK SC, sans-serif");
        var theme = s.GetChoice("theme", "light", "light", "dark");
        var maxSeries = s.GetInt("max_series", 5, 1, 20);
        var zone = ReadTimeZone(s);

        var headers = new Dictionary<string, string>(s.GetStringMap("headers"), StringComparer.OrdinalIgnoreCase);
        string? authorization = null;
        var bearer = s.GetSecret("bearer_token");
        var basic = s.GetSection("basic_auth");
        if (basic is not null)
        {
            var user = basic.RequireString("username", "write basic_auth: { username: …, password_file: … }");
            var password = basic.RequireSecret("password", "write basic_auth.password or basic_auth.password_file");
            if (bearer is not null)
            {
                s.AddError("basic_auth", "both bearer_token and basic_auth are set", "keep only one of bearer_token and basic_auth");
            }
            else if (user is not null && password is not null)
            {
                authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
            }
        }
        else if (bearer is not null)
        {
            authorization = "Bearer " + bearer;
        }

        if (authorization is not null && headers.ContainsKey("Authorization"))
        {
            s.AddError("headers", "an Authorization header is set as well as bearer_token or basic_auth", "keep only one way of authenticating");
        }

        // Charts are rasterised in-process: without librsvg no PNG can be made, so say so at startup.
        if (LibRsvg.Probe() is { } missing)
        {
            s.Diagnostics.Add(s.Node.Location, s.Path, missing, "install librsvg: " + LibRsvg.InstallHint);
        }

        var options = new PrometheusRendererOptions
        {
            Window = window,
            Lead = lead,
            Points = points,
            MaxSeries = maxSeries,
            QueryAnnotation = s.GetString("query_annotation", "promoter_query"),
            ThresholdAnnotation = s.GetString("threshold_annotation", "promoter_threshold"),
            UnitAnnotation = s.GetString("unit_annotation", "promoter_unit"),
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
        return new Prepared(options, url, timeout, authorization, headers, ReadSources(s));
    }

    protected override IAlertRenderer Build(Prepared prepared, RendererSetup setup)
    {
        var (options, url, timeout, authorization, headers, configured) = prepared;
        var services = setup.Services;
        var http = services.GetService<IHttpClientFactory>()?.CreateClient(HttpClientName) ?? SharedHttp.Value;
        var client = new PrometheusClient(http, new PrometheusClientOptions(url, timeout) { Authorization = authorization, Headers = headers });
        var sources = configured.Select(x => new PrometheusSource(x.Match,
            new PrometheusClient(http, new PrometheusClientOptions(x.Url, timeout) { Authorization = authorization, Headers = headers }))).ToList();
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Promoter.Renderer.Prometheus") ?? NullLogger.Instance;
        var meter = services.GetService<IMeterFactory>()?.Create("Promoter") ?? FallbackMeter.Value;
        return new PrometheusRenderer(options, new PrometheusSources(client, sources), services.GetService<TimeProvider>() ?? TimeProvider.System, logger, meter);
    }

    internal sealed record Prepared(PrometheusRendererOptions Options, Uri Url, TimeSpan Timeout, string? Authorization,
        Dictionary<string, string> Headers, List<(Uri Match, Uri Url)> Sources);

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });

    private static readonly Lazy<Meter> FallbackMeter = new(() => new Meter("Promoter"));

    /// <summary>
    /// <c>sources: [{ match: https://prom-a.example.com, url: http://prom-a.monitoring:9090 }, …]</c>: the external URL
    /// a Prometheus writes into generatorURL, and where Promoter reaches it. They share the renderer's authentication.
    /// </summary>
    private static List<(Uri Match, Uri Url)> ReadSources(PluginSettings s)
    {
        s.Ignore("sources");
        var result = new List<(Uri, Uri)>();
        switch (s.Node["sources"])
        {
            case null:
            case SettingsScalar { Value: null }:
                return result;
            case SettingsSequence seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    if (seq.Items[i] is not SettingsMapping m)
                    {
                        s.Diagnostics.Add(seq.Items[i].Location, $"{s.Path}.sources[{i}]", "expected a mapping",
                            "write - { match: https://prom-a.example.com, url: http://prom-a:9090 }");
                        continue;
                    }

                    var source = new PluginSettings(m, $"{s.Path}.sources[{i}]", s.Diagnostics);
                    var match = source.GetUrl("match", required: true, fix: "write the external URL that this Prometheus puts in generatorURL (its --web.external-url), such as https://prom-a.example.com");
                    var target = source.GetUrl("url", required: true, fix: "write the address Promoter queries, such as http://prom-a.monitoring:9090");
                    source.ReportUnknownKeys();
                    if (match is not null && target is not null)
                    {
                        result.Add((match, target));
                    }
                }

                return result;
            default:
                s.AddError("sources", "'sources' must be a list", "write sources: [{ match: https://prom-a.example.com, url: http://prom-a:9090 }]");
                return result;
        }
    }

    private static TimeZoneInfo ReadTimeZone(PluginSettings s)
    {
        var name = s.GetString("timezone");
        if (string.IsNullOrWhiteSpace(name) || string.Equals(name, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        if (string.Equals(name, "Local", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Local;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            s.AddError("timezone", $"'{name}' is not a known time zone", "write an IANA name such as Asia/Shanghai or Europe/Berlin, UTC, or Local (on Debian the zones come from the tzdata package)");
            return TimeZoneInfo.Utc;
        }
    }
}
