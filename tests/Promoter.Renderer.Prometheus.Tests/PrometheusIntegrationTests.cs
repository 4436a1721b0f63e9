using System.Text;
using System.Xml.Linq;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Testing.Infrastructure;

namespace Promoter.Renderer.Prometheus.Tests;

/// <summary>End to end against a real Prometheus: a real alert, a webhook payload pointing at it, a chart.</summary>
public class PrometheusIntegrationTests(PrometheusServer prometheus) : IClassFixture<PrometheusServer>
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private async Task<Alert> FiringAlertAsync(string alertName)
    {
        var real = await prometheus.WaitForFiringAsync(alertName, TimeSpan.FromSeconds(60));

        // A few more scrapes (1 s apart), so that every line has several points.
        await Task.Delay(4000);
        var fixture = await File.ReadAllTextAsync(TestPaths.TestData("alertmanager-0.25", "firing-single.json"));

        // The fixture's shape with the test Prometheus's URL; labels and startsAt from the real alert.
        var group = RendererFixtures.ParseWebhook(fixture.Replace("http://vm:19090", prometheus.Url, StringComparison.Ordinal));
        var alert = group.Alerts[0];
        var labels = real.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return alert with
        {
            Labels = labels,
            StartsAt = real.GetProperty("activeAt").GetDateTimeOffset(),
        };
    }

    private IAlertRenderer Renderer(params (string, object)[] extra) =>
        RendererFixtures.Create(RendererFixtures.Mapping([("type", "prometheus"), ("url", prometheus.Url), ("window", "5m"), ("lead", "1m"), .. extra])).Renderer;

    private static SettingsSequence Sources(params (string Match, string Url)[] sources) => new(sources.Select(x =>
        (SettingsNode)RendererFixtures.Mapping(("match", x.Match), ("url", x.Url))).ToList(), new SourceLocation("config.yaml", 1, 1));

    [Fact]
    public async Task RenderAsync_GeneratorUrlOfAConfiguredSource_QueriesThatSourceNotTheDefault()
    {
        var alert = await FiringAlertAsync("HighScrapeDuration");
        // Prometheus "A" advertises an external URL; Promoter reaches it at the test server. The default is unreachable.
        alert = alert with { GeneratorUrl = alert.GeneratorUrl.Replace(prometheus.Url, "https://prom-a.example.com", StringComparison.Ordinal) };
        var renderer = RendererFixtures.Create(RendererFixtures.Mapping(("type", "prometheus"), ("url", "http://127.0.0.1:1"), ("window", "5m"),
            ("sources", Sources(("https://prom-b.example.com", "http://127.0.0.1:1"), ("https://prom-a.example.com", prometheus.Url))))).Renderer;
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = [alert] };

        var image = Assert.Single(await renderer.RenderAsync(new RenderRequest(group, alert) { Format = ImageFormat.Svg }, default));

        var svg = XDocument.Parse(Encoding.UTF8.GetString(image.Content.Span));
        Assert.Single(svg.Descendants(Svg + "path"), p => (string?)p.Attribute("class") == "series");
        Assert.DoesNotContain("no source matches", image.Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_GeneratorUrlOfAnUnknownOrigin_DefaultQueriedWithANoteAndTheOriginNeverFetched()
    {
        var alert = await FiringAlertAsync("HighScrapeDuration");
        // An origin nobody configured: on a port where a request would be seen. The default (the test server) answers.
        await using var trap = await RecordingHttpSink.StartAsync();
        alert = alert with { GeneratorUrl = alert.GeneratorUrl.Replace(prometheus.Url, trap.Url.ToString().TrimEnd('/'), StringComparison.Ordinal) };
        var renderer = RendererFixtures.Create(RendererFixtures.Mapping(("type", "prometheus"), ("url", prometheus.Url), ("window", "5m"),
            ("sources", Sources(("https://prom-a.example.com", "http://127.0.0.1:1"))))).Renderer;
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = [alert] };

        var image = Assert.Single(await renderer.RenderAsync(new RenderRequest(group, alert) { Format = ImageFormat.Svg }, default));

        Assert.Contains($"queried the default Prometheus: no source matches {trap.Url.ToString().TrimEnd('/')}", image.Title, StringComparison.Ordinal);
        Assert.Empty(trap.Requests);
    }

    [Fact]
    public async Task RenderAsync_RealFiringAlert_DrawsItsSeriesAndThreshold()
    {
        var alert = await FiringAlertAsync("HighScrapeDuration");
        var renderer = Renderer();
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = [alert] };

        var svgImage = Assert.Single(await renderer.RenderAsync(new RenderRequest(group, alert) { Format = ImageFormat.Svg }, default));
        Assert.Equal("image/svg+xml", svgImage.ContentType);
        var svg = XDocument.Parse(Encoding.UTF8.GetString(svgImage.Content.Span));
        var series = svg.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "series").ToList();
        Assert.Single(series);
        Assert.True(series[0].Attribute("d")!.Value.Count(c => c == 'L') >= 2, "the series has several points");
        Assert.Single(svg.Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "threshold");
        Assert.Single(svg.Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "marker-firing");
        var legend = svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "legend").Select(t => t.Value).ToList();
        Assert.Contains(legend, l => l.Contains($"instance=\"127.0.0.1:{prometheus.Port}\"", StringComparison.Ordinal));
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.EndsWith(" ms", StringComparison.Ordinal)); // _seconds → time unit

        var pngImage = Assert.Single(await renderer.RenderAsync(new RenderRequest(group, alert), default));
        Assert.Equal("image/png", pngImage.ContentType);
        var png = DecodedPng.Decode(pngImage.Content.ToArray());
        Assert.Equal((800, 400), (png.Width, png.Height));
        Assert.True(png.CountNear("#3274d9", 30) > 100, "the series colour is drawn");
        Assert.True(png.CountNear("#d62d41", 30) > 50, "the threshold colour is drawn");
        Assert.True(png.CountDistinctColours() > 20, "not a blank picture");

        await File.WriteAllBytesAsync(Path.Combine(ExampleImagesTests.OutputDirectory(), "chart-prometheus-live.png"), pngImage.Content.ToArray());
    }

    [Fact]
    public async Task RenderAsync_NonLiteralThreshold_DrawsThresholdSeries()
    {
        var alert = await FiringAlertAsync("TooManyGoroutines");
        alert = alert with
        {
            GeneratorUrl = $"{prometheus.Url}/graph?g0.expr={Uri.EscapeDataString("go_goroutines{job=\"prometheus\"} > 0.5 * go_goroutines{job=\"prometheus\"}")}&g0.tab=1",
        };
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = [alert] };
        var image = Assert.Single(await Renderer().RenderAsync(new RenderRequest(group, alert) { Format = ImageFormat.Svg }, default));
        var svg = XDocument.Parse(Encoding.UTF8.GetString(image.Content.Span));
        Assert.Equal(2, svg.Descendants(Svg + "path").Count(p => (string?)p.Attribute("class") == "series"));
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "threshold");
    }

    [Fact]
    public async Task RenderAsync_CjkAlertFromAnnotation_RendersPng()
    {
        var alert = await FiringAlertAsync("磁盘使用率过高");
        alert = alert with
        {
            GeneratorUrl = "",
            Annotations = new Dictionary<string, string>
            {
                ["promoter_query"] = "process_resident_memory_bytes{job=\"prometheus\"} > 1024 * 1024",
            },
        };
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = [alert] };
        var renderer = Renderer(("timezone", "Asia/Shanghai"));
        var svgImage = Assert.Single(await renderer.RenderAsync(new RenderRequest(group, alert) { Format = ImageFormat.Svg }, default));
        var svg = Encoding.UTF8.GetString(svgImage.Content.Span);
        Assert.Contains("磁盘使用率过高", svg, StringComparison.Ordinal);
        Assert.Contains("MiB", svg, StringComparison.Ordinal);
        Assert.Contains("Asia/Shanghai (UTC+08:00)", svg, StringComparison.Ordinal);
        var image = Assert.Single(await renderer.RenderAsync(new RenderRequest(group, alert), default));
        Assert.Equal(800, DecodedPng.Decode(image.Content.ToArray()).Width);
    }

    [Fact]
    public async Task RenderAsync_AlertWithoutExpression_ReturnsNoImages()
    {
        var alert = new Alert { Status = "firing", Labels = new Dictionary<string, string> { ["alertname"] = "Grafana" }, GeneratorUrl = "http://grafana/alerting/1/view" };
        var group = new AlertGroup { Receiver = "ops", Status = "firing", Alerts = [alert] };
        Assert.Empty(await Renderer().RenderAsync(new RenderRequest(group, alert), default));
    }

    [Fact]
    public async Task QueryRange_BadQuery_SurfacesPrometheusErrorTypeAndMessage()
    {
        var client = new PrometheusClient(new HttpClient(), new PrometheusClientOptions(new Uri(prometheus.Url), TimeSpan.FromSeconds(5)));
        var now = DateTimeOffset.UtcNow;
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() =>
            client.QueryRangeAsync("rate(up)", now.AddMinutes(-5), now, TimeSpan.FromSeconds(15), default));
        Assert.Equal("bad_data", e.ErrorType);
        Assert.Contains("HTTP 400: bad_data:", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected type range vector", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(30, 300)]
    [InlineData(365, 11000)]
    [InlineData(1, 100000)]
    public async Task QueryRange_StepForLongRanges_StaysWithinPrometheusLimit(int days, int points)
    {
        var client = new PrometheusClient(new HttpClient(), new PrometheusClientOptions(new Uri(prometheus.Url), TimeSpan.FromSeconds(10)));
        var to = DateTimeOffset.UtcNow;
        var from = to.AddDays(-days);
        var step = QueryStep.For(from, to, points);
        var result = await client.QueryRangeAsync("vector(1)", from, to, step, default);
        var samples = Assert.Single(result).Samples.Count;
        Assert.InRange(samples, 2, QueryStep.MaxPoints + 1);
    }

    [Fact]
    public async Task QueryRange_LongExpression_IsPostedAndAnswered()
    {
        var expr = "up{job=\"prometheus\"}" + string.Concat(Enumerable.Repeat(" + 0 * up{job=\"prometheus\"}", 150));
        Assert.True(expr.Length > 3000);
        var client = new PrometheusClient(new HttpClient(), new PrometheusClientOptions(new Uri(prometheus.Url), TimeSpan.FromSeconds(10)));
        var now = DateTimeOffset.UtcNow;
        var result = await client.QueryRangeAsync(expr, now.AddMinutes(-1), now, TimeSpan.FromSeconds(5), default);
        Assert.Single(result);
        Assert.Equal(1, result[0].LastValue);
    }

    [Fact]
    public async Task RenderQueryAsync_AdHocQuery_UsesGivenThresholdAndTitle()
    {
        await prometheus.WaitForFiringAsync("HighScrapeDuration", TimeSpan.FromSeconds(60));
        await Task.Delay(4000);
        var renderer = (IQueryChartRenderer)Renderer();
        var image = await renderer.RenderQueryAsync(new ChartQuery("up") { Threshold = 0.5, Title = "Up", Format = ImageFormat.Svg }, default);
        var svg = Encoding.UTF8.GetString(image.Content.Span);
        Assert.Contains(">Up</text>", svg, StringComparison.Ordinal);
        Assert.Contains("class=\"threshold\"", svg, StringComparison.Ordinal);
        Assert.Equal("Up: up", image.Title);
    }

    [Fact]
    public async Task Query_ServerDown_ReportsUnreachable()
    {
        var port = FreePort.Next();
        var client = new PrometheusClient(new HttpClient(), new PrometheusClientOptions(new Uri($"http://127.0.0.1:{port}"), TimeSpan.FromSeconds(5)));
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync("up", DateTimeOffset.UtcNow, default));
        Assert.Contains($"cannot reach Prometheus at http://127.0.0.1:{port}/api/v1/query", e.Message, StringComparison.Ordinal);
    }
}
