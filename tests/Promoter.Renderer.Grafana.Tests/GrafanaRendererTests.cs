using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;

namespace Promoter.Renderer.Grafana.Tests;

/// <summary>
/// The renderer against the Grafana stand-in (FakeGrafanaServer: token, parameters, dashboard JSON from
/// tests/testdata/grafana) whose data source proxy forwards to a real Prometheus.
/// </summary>
public sealed class GrafanaRendererTests(PrometheusServer prometheus) : IClassFixture<PrometheusServer>
{
    private const string Dashboard = "rYdddlPWk";
    private const string Token = "glsa_promoter_viewer";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private string Instance => $"127.0.0.1:{prometheus.Port}";

    /// <summary>Waits until the self-scraping Prometheus has a few samples of the metrics the panels plot.</summary>
    private async Task WaitForSamplesAsync()
    {
        using var http = new HttpClient();
        await Eventually.HoldsAsync(async () =>
        {
            var json = await http.GetStringAsync(new Uri($"{prometheus.Url}/api/v1/query?query=count_over_time(process_cpu_seconds_total[1m])"));
            using var doc = JsonDocument.Parse(json);
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() > 0 && double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 8;
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250), () => "Prometheus did not scrape itself 8 times within 60 s");
    }

    private static (IAlertRenderer Renderer, Abstractions.Configuration.ConfigDiagnostics Diagnostics) Renderer(FakeGrafanaServer grafana,
        CapturingLoggerProvider? logs = null, params (string, object)[] extra) =>
        GrafanaFixtures.Create(GrafanaFixtures.Mapping([("type", "grafana"), ("url", grafana.BaseUrl.ToString()), ("token", Token), ("window", "5m"), ("lead", "1m"), .. extra]), logs);

    private Alert PanelAlert(int panelId, string? instance = null) => GrafanaFixtures.Alert(
        new Dictionary<string, string> { ["alertname"] = "NodeCpuBusy", ["instance"] = instance ?? Instance, ["job"] = "prometheus" },
        new Dictionary<string, string> { ["__dashboardUid__"] = Dashboard, ["__panelId__"] = panelId.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Fact]
    public async Task RenderAsync_NodeExporterPanel_DrawnNativelyWithAlertLabelsAsVariables()
    {
        await WaitForSamplesAsync();
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var logs = new CapturingLoggerProvider();
        var (renderer, diagnostics) = Renderer(grafana, logs);
        Assert.Empty(diagnostics.Errors);

        var image = Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(3), ImageFormat.Svg), default));

        // The visible target only, with $instance/$job from the alert's labels and $__rate_interval filled in.
        var query = Assert.Single(grafana.ProxiedQueries);
        Assert.Equal($"rate(process_cpu_seconds_total{{instance=\"{Instance}\",job=\"prometheus\"}}[1m]) * 100", query);
        Assert.All(grafana.Requests, r => Assert.Equal("Bearer " + Token, r.Header("authorization")));
        Assert.DoesNotContain(grafana.Requests, r => r.PathAndQuery.StartsWith("/render/", StringComparison.Ordinal));

        Assert.Equal($"CPU busy {Instance} (Grafana panel, native: timeseries panel on Prometheus data source {FakeGrafanaServer.PrometheusUid})", image.Title);
        var svg = XDocument.Parse(Encoding.UTF8.GetString(image.Content.Span));
        var series = Assert.Single(svg.Descendants(Svg + "path"), p => (string?)p.Attribute("class") == "series" && p.Attribute("stroke-dasharray") is null);
        Assert.True(series.Attribute("d")!.Value.Count(c => c == 'L') >= 2, "the series has several points");
        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains($"CPU busy {Instance}", texts);
        Assert.Contains($"{Instance} CPU", texts); // legendFormat {{instance}} CPU
        Assert.Contains("100%", texts);           // max: 100 fixes the axis, percent unit labels it
        // Thresholds 70 (a dashed line in the legend) and 90 (the threshold line with its tag).
        Assert.Single(svg.Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "threshold");
        Assert.Contains(texts, t => t.Contains("90%", StringComparison.Ordinal));
        Assert.Contains("threshold 70%", texts);
        Assert.Contains(logs.Logs, l => l.Message.Contains("native mode (timeseries panel on Prometheus data source", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RenderAsync_MemoryPanelAsPng_TwoSeriesInBytes()
    {
        await WaitForSamplesAsync();
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana);

        var svgImage = Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(4), ImageFormat.Svg), default));
        var png = Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(4)), default));

        var svg = XDocument.Parse(Encoding.UTF8.GetString(svgImage.Content.Span));
        Assert.Equal(2, svg.Descendants(Svg + "path").Count(p => (string?)p.Attribute("class") == "series"));
        var legend = svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "legend").Select(t => t.Value).ToList();
        Assert.Equal(["Resident", "Heap in use"], legend);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.EndsWith("MiB", StringComparison.Ordinal));
        Assert.Equal("image/png", png.ContentType);
        ImageContent.Validate(png.Content.Span, "image/png");
        Assert.Equal((800, 400), (png.Width, png.Height));
    }

    [Fact]
    public async Task RenderAsync_LegacyGraphPanelWithAllVariable_NativeThroughNameLookup()
    {
        await WaitForSamplesAsync();
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana);
        var alert = GrafanaFixtures.Alert(new Dictionary<string, string> { ["alertname"] = "Traffic" },
            new Dictionary<string, string> { ["grafana_panel_url"] = new Uri(grafana.BaseUrl, "d/svc-overview/service-overview?orgId=1&viewPanel=7").ToString() });

        var image = Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(alert, ImageFormat.Svg), default));

        Assert.Contains("native: graph panel", image.Title, StringComparison.Ordinal);
        Assert.Contains(grafana.Requests, r => r.PathAndQuery == "/api/datasources/name/Prometheus");
        Assert.Equal("sum by (handler) (rate(prometheus_http_requests_total{handler=~\"(/metrics|/api/v1/query_range)\"}[1m]))", Assert.Single(grafana.ProxiedQueries));
    }

    public static TheoryData<int, string> RenderedPanels => new()
    {
        { 2, "a stat panel is not a time series" },
        { 6, "query A uses a loki data source, not Prometheus" },
    };

    [Theory]
    [MemberData(nameof(RenderedPanels))]
    public async Task RenderAsync_PanelNativeCannotDraw_FetchedFromGrafanasRendererWithReason(int panelId, string reason)
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana, null, ("timezone", "Asia/Shanghai"));
        var alert = PanelAlert(panelId);

        var image = Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(alert), default));

        Assert.Equal($"panel {panelId} of {Dashboard} (Grafana panel, rendered by Grafana: {reason})", image.Title);
        ImageContent.Validate(image.Content.Span, "image/png");
        Assert.Equal((800, 400), (image.Width, image.Height));
        var render = Assert.Single(grafana.RenderRequests);
        var q = System.Web.HttpUtility.ParseQueryString(render.PathAndQuery[(render.PathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..]);
        Assert.StartsWith($"/render/d-solo/{Dashboard}/?", render.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(panelId.ToString(System.Globalization.CultureInfo.InvariantCulture), q["panelId"]);
        Assert.Equal("Asia/Shanghai", q["tz"]);
        Assert.Equal((Instance, "prometheus"), (q["var-instance"], q["var-job"]));
        var from = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(q["from"]!, System.Globalization.CultureInfo.InvariantCulture));
        var to = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(q["to"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(to - from, TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal("Bearer " + Token, render.Header("authorization"));
    }

    [Theory]
    [InlineData("nope", 3, "Dashboard not found")]
    [InlineData(Dashboard, 99, "has no panel 99")]
    public async Task RenderAsync_UnknownDashboardOrPanel_NotFoundWithClearMessage(string uid, int panelId, string expected)
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana);
        var alert = GrafanaFixtures.Alert(new Dictionary<string, string> { ["alertname"] = "X" },
            new Dictionary<string, string> { ["__dashboardUid__"] = uid, ["__panelId__"] = panelId.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(alert), default));

        Assert.Equal(PanelFailure.NotFound, e.Failure);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_GrafanaRendererSlow_FailsWithinRenderTimeout()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        grafana.RenderBehavior = GrafanaRenderBehavior.Slow;
        grafana.RenderDelay = TimeSpan.FromSeconds(20);
        var (renderer, _) = Renderer(grafana, null, ("render_timeout", "700ms"));

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(2)), default));

        Assert.Equal(PanelFailure.Unavailable, e.Failure);
        Assert.Contains("did not answer within 0.7s", e.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RenderAsync_GrafanaDown_UnavailableNamingTheHost()
    {
        var port = FreePort.Next();
        var (renderer, _) = GrafanaFixtures.Create(GrafanaFixtures.Mapping(("type", "grafana"), ("url", $"http://127.0.0.1:{port}"), ("token", Token)));

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(3)), default));

        Assert.Equal(PanelFailure.Unavailable, e.Failure);
        Assert.Contains($"cannot reach dashboard {Dashboard} at http://127.0.0.1:{port}/api/dashboards/uid/{Dashboard}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_TokenRefused_ReportedOnceAndNotRetriedUntilBackoffEnds()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var logs = new CapturingLoggerProvider();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var (renderer, _) = GrafanaFixtures.Create(GrafanaFixtures.Mapping(("type", "grafana"), ("url", grafana.BaseUrl.ToString()),
            ("token", "glsa_revoked"), ("auth_retry_after", "5m")), logs, time);

        var first = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(3)), default));
        var second = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(4)), default));

        Assert.Equal((PanelFailure.Unauthorized, PanelFailure.Unauthorized), (first.Failure, second.Failure));
        Assert.Contains("HTTP 401 with \"Invalid API key\"", first.Message, StringComparison.Ordinal);
        Assert.Contains("not retried before", second.Message, StringComparison.Ordinal);
        Assert.Single(grafana.Requests);
        Assert.Single(logs.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.DoesNotContain("glsa_revoked", logs.AllText + first.Message + second.Message, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromMinutes(6));
        await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(3)), default));
        Assert.Equal(2, grafana.Requests.Count);
        Assert.Single(logs.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error); // still the same refusal: not logged again
    }

    [Fact]
    public async Task RenderAsync_TokenWithoutDashboardAccess_Unauthorized()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = GrafanaFixtures.Create(GrafanaFixtures.Mapping(("type", "grafana"), ("url", grafana.BaseUrl.ToString()), ("token", "glsa_no_dashboards")));

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(3)), default));

        Assert.Equal(PanelFailure.Unauthorized, e.Failure);
        Assert.Contains("HTTP 403 with \"Access denied to this dashboard\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://169.254.169.254/render/d-solo/abc/?panelId=1")]
    [InlineData("http://127.0.0.1:1/d/abc/?viewPanel=2")]
    public async Task RenderAsync_AnnotationOnOtherHost_RefusedWithoutAnyRequest(string url)
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var logs = new CapturingLoggerProvider();
        var (renderer, _) = Renderer(grafana, logs);
        var alert = GrafanaFixtures.Alert(new Dictionary<string, string> { ["alertname"] = "Sneaky" }, new Dictionary<string, string> { ["grafana_panel_url"] = url });

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(alert), default));

        Assert.Equal(PanelFailure.HostNotAllowed, e.Failure);
        Assert.Contains("is not on a configured Grafana host", e.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Logs, l => l.Message.Contains("panel URL on host", StringComparison.Ordinal));
        Assert.Empty(grafana.Requests);
    }

    [Fact]
    public async Task RenderAsync_AnnotationOnAnAllowedHost_FetchedFromThatHost()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        // url is 127.0.0.1:<port>; the same Grafana under another name is reachable only once allowed_hosts lists it.
        var other = $"localhost:{grafana.BaseUrl.Port}";
        var alert = GrafanaFixtures.Alert(new Dictionary<string, string> { ["alertname"] = "Uptime" },
            new Dictionary<string, string> { ["grafana_panel_url"] = $"http://{other}/d/{Dashboard}/node?orgId=1&viewPanel=2" });
        var (refusing, _) = Renderer(grafana);
        var (allowing, diagnostics) = Renderer(grafana, null, ("allowed_hosts", new[] { other.ToUpperInvariant() }));
        Assert.Empty(diagnostics.Errors);

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => refusing.RenderAsync(GrafanaFixtures.Request(alert), default));
        var image = Assert.Single(await allowing.RenderAsync(GrafanaFixtures.Request(alert), default));

        Assert.Equal(PanelFailure.HostNotAllowed, e.Failure);
        Assert.Contains("rendered by Grafana: a stat panel", image.Title, StringComparison.Ordinal);
        Assert.All(grafana.Requests, r => Assert.Equal(other, r.Header("host")));
        Assert.Single(grafana.RenderRequests);
    }

    [Fact]
    public async Task RenderAsync_TokenFromTokenFile_SentAsBearerAndNeverLogged()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var logs = new CapturingLoggerProvider();
        var read = new List<string>();
        var (renderer, diagnostics) = GrafanaFixtures.Create(GrafanaFixtures.Mapping(("type", "grafana"), ("url", grafana.BaseUrl.ToString()),
            ("token_file", "secrets/grafana-token")), logs, readSecretFile: path => { read.Add(path); return Token + "\n"; });
        Assert.Empty(diagnostics.Errors);

        Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(2)), default));

        Assert.Equal(["secrets/grafana-token"], read.Distinct()); // read at validation and at creation, as the host does
        Assert.NotEmpty(grafana.Requests);
        Assert.All(grafana.Requests, r => Assert.Equal("Bearer " + Token, r.Header("authorization"))); // the file's newline trimmed
        Assert.DoesNotContain(Token, logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_NoPanelAnnotations_NoImage()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana);

        var images = await renderer.RenderAsync(GrafanaFixtures.Request(GrafanaFixtures.Alert(new Dictionary<string, string> { ["alertname"] = "X" }, new Dictionary<string, string>())), default);

        Assert.Empty(images);
        Assert.Empty(grafana.Requests);
    }

    [Fact]
    public async Task RenderAsync_DirectPrometheus_QueriesItInsteadOfTheProxy()
    {
        await WaitForSamplesAsync();
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheusUrl: null); // its proxy would answer 502
        var (renderer, _) = Renderer(grafana, null, ("prometheus_url", prometheus.Url));

        var image = Assert.Single(await renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(5), ImageFormat.Svg), default));

        Assert.Empty(grafana.ProxiedQueries);
        var svg = XDocument.Parse(Encoding.UTF8.GetString(image.Content.Span));
        Assert.Single(svg.Descendants(Svg + "path"), p => (string?)p.Attribute("class") == "series");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "prometheus scrape"); // {{ job }} scrape
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.EndsWith(" ms", StringComparison.Ordinal) || t.Value.EndsWith("µs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RenderAsync_ModeNative_PanelItCannotDraw_SaysSo()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana, null, ("mode", "native"));

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => renderer.RenderAsync(GrafanaFixtures.Request(PanelAlert(2)), default));

        Assert.Contains("cannot be drawn natively (a stat panel is not a time series) and mode: native forbids Grafana's renderer", e.Message, StringComparison.Ordinal);
        Assert.Empty(grafana.RenderRequests);
    }

    public static TheoryData<GrafanaRenderBehavior, PanelFailure, string> RenderFaults => new()
    {
        { GrafanaRenderBehavior.HtmlError, PanelFailure.Unavailable, "answered HTTP 500 with an HTML page" },
        { GrafanaRenderBehavior.HtmlAsPng, PanelFailure.InvalidImage, "not a valid PNG: the content is not a PNG" },
        { GrafanaRenderBehavior.Redirect, PanelFailure.HostNotAllowed, "redirected to http://169.254.169.254/latest/meta-data/, which is not a configured Grafana host" },
        { GrafanaRenderBehavior.LargePng, PanelFailure.InvalidImage, "answered more than 1048576 bytes" },
    };

    [Theory]
    [MemberData(nameof(RenderFaults))]
    public async Task RenderPanelAsync_RendererFaults_RefusedWithReason(GrafanaRenderBehavior behavior, PanelFailure failure, string expected)
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        grafana.RenderBehavior = behavior;
        var (renderer, _) = Renderer(grafana, null, ("max_image_size", "1MiB"));

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => ((IPanelRenderer)renderer).RenderPanelAsync(
            new PanelQuery { Url = grafana.RenderUrl(Dashboard, 2), Authorization = "Bearer glsa_hubot_caller" }, default));

        Assert.Equal(failure, e.Failure);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("glsa_", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPanelAsync_CallersAuthorization_UsedInsteadOfTheConfiguredToken()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = GrafanaFixtures.Create(GrafanaFixtures.Mapping(("type", "grafana"), ("url", grafana.BaseUrl.ToString())));

        var image = await ((IPanelRenderer)renderer).RenderPanelAsync(
            new PanelQuery { Url = grafana.RenderUrl(Dashboard, 2), Authorization = "Bearer glsa_hubot_caller" }, default);

        Assert.Contains("rendered by Grafana: a stat panel", image.Title, StringComparison.Ordinal);
        Assert.All(grafana.Requests, r => Assert.Equal("Bearer glsa_hubot_caller", r.Header("authorization")));
        // The caller's URL is fetched as given (its size and relative times), not rebuilt.
        Assert.EndsWith("from=now-1h&to=now&width=1000&height=500", Assert.Single(grafana.RenderRequests).PathAndQuery, StringComparison.Ordinal);
        Assert.Equal((1000, 500), (image.Width, image.Height));
    }

    [Fact]
    public async Task RenderPanelAsync_WithoutCredential_LoginRedirectReportedAsUnauthorized()
    {
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = GrafanaFixtures.Create(GrafanaFixtures.Mapping(("type", "grafana"), ("url", grafana.BaseUrl.ToString()), ("mode", "render")));

        var e = await Assert.ThrowsAsync<PanelRenderException>(() => ((IPanelRenderer)renderer).RenderPanelAsync(new PanelQuery { Url = grafana.RenderUrl(Dashboard, 3) }, default));

        Assert.Equal(PanelFailure.Unauthorized, e.Failure);
        Assert.Contains("redirected to its login page", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPanelAsync_UidPanelAndVariables_NativeWithTheGivenInstance()
    {
        await WaitForSamplesAsync();
        await using var grafana = await FakeGrafanaServer.StartAsync(prometheus.Url);
        var (renderer, _) = Renderer(grafana);

        var image = await ((IPanelRenderer)renderer).RenderPanelAsync(new PanelQuery
        {
            DashboardUid = Dashboard,
            PanelId = 3,
            From = DateTimeOffset.UtcNow.AddMinutes(-3),
            Variables = new Dictionary<string, string> { ["instance"] = Instance, ["job"] = "prometheus" },
            Width = 1000,
            Height = 500,
        }, default);

        Assert.Contains("native", image.Title, StringComparison.Ordinal);
        Assert.Equal((1000, 500), (image.Width, image.Height));
        Assert.Contains($"instance=\"{Instance}\"", Assert.Single(grafana.ProxiedQueries), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "url", "" }, "url")]
    [InlineData(new[] { "allowed_hosts", "http://evil.example.com/" }, "allowed_hosts")]
    [InlineData(new[] { "mode", "browser" }, "mode")]
    public void Create_BadSettings_ErrorNamesTheKey(string[] entry, string key)
    {
        (string, object) value = entry[0] == "allowed_hosts" ? (entry[0], new[] { entry[1] }) : (entry[0], entry[1]);
        var mapping = entry[0] == "url"
            ? GrafanaFixtures.Mapping(("type", "grafana"))
            : GrafanaFixtures.Mapping(("type", "grafana"), ("url", "http://grafana:3000"), value);

        var (_, diagnostics) = GrafanaFixtures.Create(mapping);

        Assert.Contains(diagnostics.Errors, d => d.Path == "renderers.grafana." + key);
    }
}
