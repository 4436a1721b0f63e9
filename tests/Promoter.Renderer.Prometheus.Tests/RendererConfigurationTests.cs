using System.Net;
using System.Text;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Testing.Infrastructure;

namespace Promoter.Renderer.Prometheus.Tests;

public class RendererConfigurationTests
{
    private static readonly SourceLocation Here = new("config.yaml", 1, 1);

    [Fact]
    public void Create_AllKeys_AreKnownAndApplied()
    {
        var (renderer, diagnostics, settings) = RendererFixtures.Create(RendererFixtures.Mapping(
            ("url", "http://prometheus:9090"), ("timeout", "3s"), ("window", "2h"), ("lead", "5m"), ("points", "200"),
            ("width", "1000"), ("height", "500"), ("scale", "2"), ("timezone", "Asia/Shanghai"), ("font_family", "Noto Sans CJK SC"),
            ("theme", "dark"), ("query_annotation", "q"), ("threshold_annotation", "t"), ("unit_annotation", "u"), ("max_series", "3"),
            ("bearer_token", "s3cret"), ("headers", RendererFixtures.Mapping(("X-Scope-OrgID", "team-a")))));
        settings.Ignore("type");
        Assert.Empty(diagnostics.Errors);
        var options = ((PrometheusRenderer)renderer).Options;
        Assert.Equal((TimeSpan.FromHours(2), TimeSpan.FromMinutes(5), 200, 3), (options.Window, options.Lead, options.Points, options.MaxSeries));
        Assert.Equal((2000, 1000), (options.Style.PixelWidth, options.Style.PixelHeight));
        Assert.Equal("Asia/Shanghai", options.Style.TimeZone.Id);
        Assert.Same(Theme.Dark, options.Style.Theme);
        Assert.Equal(("q", "t", "u"), (options.QueryAnnotation, options.ThresholdAnnotation, options.UnitAnnotation));
    }

    [Theory]
    [InlineData("url", "not a url", "is not an absolute http(s) URL")]
    [InlineData("timezone", "Mars/Olympus", "is not a known time zone")]
    [InlineData("theme", "pink", "is not one of light, dark")]
    [InlineData("points", "5", "out of range")]
    [InlineData("window", "soon", "is not a duration")]
    [InlineData("scale", "9", "out of range")]
    [InlineData("windw", "1h", "unknown key 'windw'")]
    public void Create_BadValue_ReportsTheKeyAndTheFix(string key, string value, string message)
    {
        var entries = new List<(string, object)> { ("url", "http://prometheus:9090") };
        entries.RemoveAll(e => e.Item1 == key);
        entries.Add((key, value));
        var (_, diagnostics, _) = RendererFixtures.Create(RendererFixtures.Mapping([.. entries]));
        var error = Assert.Single(diagnostics.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal($"renderers.prom.{key}", error.Path);
        Assert.NotEmpty(error.Fix);
    }

    [Fact]
    public void Create_MissingUrl_IsRequired()
    {
        var (_, diagnostics, _) = RendererFixtures.Create(RendererFixtures.Mapping());
        Assert.Contains(diagnostics.Errors, e => e.Message == "'url' is required" && e.Fix.Contains("http://prometheus:9090", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_BearerAndBasicAuth_IsRejectedWithoutEchoingSecrets()
    {
        var (_, diagnostics, _) = RendererFixtures.Create(RendererFixtures.Mapping(
            ("url", "http://p:9090"), ("bearer_token", "tok-123"),
            ("basic_auth", RendererFixtures.Mapping(("username", "u"), ("password", "pw-456")))));
        var error = Assert.Single(diagnostics.Errors);
        Assert.Contains("both bearer_token and basic_auth", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw-456", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bearer", "Bearer tok-123")]
    [InlineData("basic", "Basic dTpwdy00NTY=")]
    public async Task Query_WithAuthAndHeaders_SendsThem(string auth, string expectedAuthorization)
    {
        var port = FreePort.Next();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = Task.Run(async () =>
        {
            var ctx = await listener.GetContextAsync();
            var seen = (ctx.Request.Headers["Authorization"], ctx.Request.Headers["X-Scope-OrgID"], ctx.Request.Url!.AbsolutePath);
            var body = Encoding.UTF8.GetBytes("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
            return seen;
        });
        (string, object) authEntry = auth == "bearer"
            ? ("bearer_token", "tok-123")
            : ("basic_auth", RendererFixtures.Mapping(("username", "u"), ("password", "pw-456")));
        var (renderer, diagnostics, _) = RendererFixtures.Create(RendererFixtures.Mapping(
            ("url", $"http://127.0.0.1:{port}/prom/"), authEntry, ("headers", RendererFixtures.Mapping(("X-Scope-OrgID", "team-a")))));
        Assert.Empty(diagnostics.Errors);
        var image = await ((PrometheusRenderer)renderer).RenderQueryAsync(new Abstractions.Rendering.ChartQuery("up") { Format = Abstractions.Rendering.ImageFormat.Svg }, default);
        Assert.Contains("No data", Encoding.UTF8.GetString(image.Content.Span), StringComparison.Ordinal);
        Assert.Equal((expectedAuthorization, "team-a", "/prom/api/v1/query_range"), await received);
    }

    [Fact]
    public async Task Query_SlowServer_TimesOutWithClearMessage()
    {
        var port = FreePort.Next();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            var ctx = await listener.GetContextAsync();
            await Task.Delay(3000);
            ctx.Response.Abort();
        });
        var client = new PrometheusClient(new HttpClient(), new PrometheusClientOptions(new Uri($"http://user:pw@127.0.0.1:{port}/"), TimeSpan.FromMilliseconds(300)));
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync("up", DateTimeOffset.UtcNow, default));
        Assert.Contains("did not answer within 0.3s", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HtmlInsteadOfApi_SaysTheUrlIsWrong()
    {
        var e = Assert.Throws<PrometheusQueryException>(() => PrometheusClient.Parse("<html>login</html>"u8.ToArray(), HttpStatusCode.OK, "http://grafana/api/v1/query"));
        Assert.Contains("not Prometheus API JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("NaN", double.NaN)]
    [InlineData("1e-06", 1e-6)]
    [InlineData("42", 42)]
    public void ParseValue_PrometheusSampleStrings_AreRead(string text, double expected) =>
        Assert.Equal(expected, PrometheusClient.ParseValue(text));

    [Theory]
    [InlineData(3600, 300, 12)]
    [InlineData(60, 300, 1)]
    [InlineData(365 * 86400, 300, 105120)]
    [InlineData(365 * 86400, 100000, 2867)]
    public void QueryStep_For_GivesAboutPointsAndRespectsLimit(int rangeSeconds, int points, int expectedStep)
    {
        var to = DateTimeOffset.UnixEpoch.AddDays(20000);
        var step = QueryStep.For(to.AddSeconds(-rangeSeconds), to, points);
        Assert.Equal(expectedStep, step.TotalSeconds);
        Assert.True(rangeSeconds / step.TotalSeconds <= QueryStep.MaxPoints);
    }

    [Theory]
    [InlineData("http://p:9090/graph?g0.expr=scrape_duration_seconds%7Bjob%3D%22prometheus%22%7D+%3E+1e-06&g0.tab=1", null, "scrape_duration_seconds{job=\"prometheus\"} > 1e-06")]
    [InlineData("http://p:9090/graph?g0.expr=up+%3D%3D+0", "rate(x[5m]) > 1", "rate(x[5m]) > 1")]
    [InlineData("http://grafana:3000/alerting/grafana/abc/view", null, null)]
    [InlineData("", null, null)]
    public void AlertExpression_Find_PrefersAnnotationThenGeneratorUrl(string url, string? annotation, string? expected)
    {
        var alert = new Alert
        {
            Status = "firing",
            GeneratorUrl = url,
            Annotations = annotation is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["promoter_query"] = annotation },
        };
        Assert.Equal(expected, AlertExpression.Find(alert, "promoter_query"));
    }

    [Theory]
    [InlineData("firing", -10, 0, -60, 0)]       // recent: the window
    [InlineData("firing", -240, 0, -255, 0)]     // old: startsAt − lead
    [InlineData("resolved", -50, -30, -55, -25)] // resolved: margins of a quarter of 20 min
    [InlineData("resolved", -12, -11, -14, -9)]  // short: at least 2 minutes of margin
    public void Window_ByStatus_CoversTheAlert(string status, int startMinutes, int endMinutes, int fromMinutes, int toMinutes)
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var renderer = new PrometheusRenderer(new PrometheusRendererOptions(), new PrometheusSources(new PrometheusClient(new HttpClient(), new PrometheusClientOptions(new Uri("http://p"), TimeSpan.FromSeconds(1))), []),
            new FixedTime(now), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new System.Diagnostics.Metrics.Meter("test"));
        var alert = new Alert
        {
            Status = status,
            StartsAt = now.AddMinutes(startMinutes),
            EndsAt = status == "firing" ? DateTimeOffset.MinValue : now.AddMinutes(endMinutes),
        };
        var (from, to) = renderer.Window(alert);
        Assert.Equal((now.AddMinutes(fromMinutes), now.AddMinutes(toMinutes)), (from, to));
    }

    [Theory]
    [InlineData("node_memory_MemAvailable_bytes", Unit.Bytes)]
    [InlineData("rate(node_network_receive_bytes_total[5m])", Unit.Bytes)]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", Unit.Seconds)]
    [InlineData("rate(node_cpu_seconds_total[5m])", Unit.Short)]
    [InlineData("node_filesystem_avail_bytes / node_filesystem_size_bytes", Unit.Short)]
    [InlineData("cache_hit_ratio", Unit.PercentUnit)]
    [InlineData("up", Unit.Short)]
    internal void UnitFormatter_Infer_FromMetricSuffix(string expression, Unit expected) =>
        Assert.Equal(expected, UnitFormatter.Infer(PromQL.Parser.Parse(expression)));

    [Theory]
    [InlineData(1536, Unit.Bytes, "1.5 KiB")]
    [InlineData(0.0042, Unit.Seconds, "4.2 ms")]
    [InlineData(5400, Unit.Seconds, "90 min")]
    [InlineData(0.834, Unit.PercentUnit, "83.4%")]
    [InlineData(2_500_000, Unit.Short, "2.5 M")]
    [InlineData(-0.5, Unit.Short, "-0.5")]
    [InlineData(1e-7, Unit.Short, "1e-7")]
    internal void UnitFormatter_FormatValue_IsUnitAware(double value, Unit unit, string expected) =>
        Assert.Equal(expected, UnitFormatter.FormatValue(value, unit));

    [Theory]
    [InlineData("https://prom-a.example.com", "https://prom-a.example.com/graph?g0.expr=up", true)]
    [InlineData("https://prom-a.example.com/", "https://PROM-A.example.com:443/graph?g0.expr=up", true)]
    [InlineData("https://example.com/prometheus", "https://example.com/prometheus/graph?g0.expr=up", true)]
    [InlineData("https://example.com/prometheus", "https://example.com/prometheus-b/graph?g0.expr=up", false)]
    [InlineData("https://prom-a.example.com", "http://prom-a.example.com/graph?g0.expr=up", false)]
    [InlineData("https://prom-a.example.com", "https://prom-a.example.com:8443/graph", false)]
    [InlineData("https://prom-a.example.com", "https://prom-a.example.com.evil.test/graph", false)]
    public void Sources_Matches_OriginAndPathPrefixAtASegmentBoundary(string match, string generator, bool expected) =>
        Assert.Equal(expected, PrometheusSources.Matches(new Uri(match), new Uri(generator)));

    [Theory]
    [InlineData("- { match: https://a.example.com }", "renderers.prom.sources[0].url")]
    [InlineData("- { url: http://a:9090 }", "renderers.prom.sources[0].match")]
    [InlineData("- { match: https://a.example.com, url: http://a:9090, colour: red }", "renderers.prom.sources[0].colour")]
    public void Sources_Invalid_ErrorNamesThePath(string yaml, string path)
    {
        var entry = yaml.Trim('-', ' ', '{', '}').Split(", ").Select(kv => kv.Split(": ", 2))
            .Select(kv => new KeyValuePair<string, SettingsNode>(kv[0], new SettingsScalar(kv[1], new SourceLocation("config.yaml", 3, 5)))).ToList();
        var sources = new SettingsSequence([new SettingsMapping(entry, new SourceLocation("config.yaml", 3, 5))], new SourceLocation("config.yaml", 3, 5));

        var (_, diagnostics, _) = RendererFixtures.Create(RendererFixtures.Mapping(("type", "prometheus"), ("url", "http://p:9090"), ("sources", sources)));

        Assert.Contains(diagnostics.Errors, e => e.Path == path);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
