using System.Text.Json;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Grafana.Panels;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Testing.Infrastructure;

namespace Promoter.Renderer.Grafana.Tests;

/// <summary>Reading panels out of real dashboard JSON shapes, Grafana's variable syntax, panel URLs and times.</summary>
public sealed class DashboardModelTests
{
    private static DashboardPanel Read(string file, string uid, int panelId)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.TestData("grafana", file)));
        return DashboardPanel.Read(doc.RootElement, uid, panelId);
    }

    [Fact]
    public void Read_NodeExporterCpuPanel_TakesVisibleTargetsUnitThresholdsAndBounds()
    {
        var panel = Read("dashboard-node-exporter.json", "rYdddlPWk", 3);

        Assert.Equal("timeseries", panel.Type);
        Assert.Equal("CPU busy $instance", panel.Title);
        var target = Assert.Single(panel.Targets); // B is hide: true
        Assert.Equal(1, panel.HiddenTargets);
        Assert.Contains("process_cpu_seconds_total{instance=\"$instance\",job=\"$job\"}[$__rate_interval]", target.Expr, StringComparison.Ordinal);
        Assert.Equal("{{instance}} CPU", target.LegendFormat);
        Assert.Equal("percent", panel.Unit);
        Assert.Equal((0.0, 100.0), (panel.Min, panel.Max));
        Assert.Equal([null, 70.0, 90.0], panel.Thresholds.Select(s => s.Value));
        Assert.Equal("line", panel.ThresholdsStyle);
        Assert.Equal(new DataSourceRef("prometheus", "${datasource}", null), panel.DataSource);
        Assert.Equal(["datasource", "job", "instance"], panel.Variables.Select(v => v.Name));
        Assert.Equal(["node1:9100"], panel.Variables[2].Current);
    }

    [Fact]
    public void Read_PanelInsideCollapsedRow_Found()
    {
        var panel = Read("dashboard-node-exporter.json", "rYdddlPWk", 21);

        Assert.Equal("HTTP requests", panel.Title);
        Assert.Equal("reqps", panel.Unit);
    }

    [Fact]
    public void Read_UnknownPanel_NotFoundListingThePanels()
    {
        var e = Assert.Throws<PanelRenderException>(() => Read("dashboard-node-exporter.json", "rYdddlPWk", 99));

        Assert.Equal(PanelFailure.NotFound, e.Failure);
        Assert.Contains("has no panel 99", e.Message, StringComparison.Ordinal);
        Assert.Contains("3, 4, 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LegacyGraphPanel_DataSourceByNameAndMultiValueVariable()
    {
        var panel = Read("dashboard-service-overview.json", "svc-overview", 7);

        Assert.Equal("graph", panel.Type);
        Assert.Equal(new DataSourceRef(null, null, "Prometheus"), panel.DataSource);
        var handler = Assert.Single(panel.Variables);
        Assert.True(handler.Multi && handler.IncludeAll);
        Assert.Equal(["$__all"], handler.Current);
        Assert.Equal(["/metrics", "/api/v1/query_range"], handler.Options);
    }

    public static TheoryData<string, string[]?, string?, string> Interpolations => new()
    {
        // expression, explicit value, alert label, expected
        { "up{instance=\"$instance\"}", null, null, "up{instance=\"node1:9100\"}" },
        { "up{instance=\"$instance\"}", null, "10.0.0.7:9100", "up{instance=\"10.0.0.7:9100\"}" },
        { "up{instance=\"${instance}\"}", ["a:1"], "10.0.0.7:9100", "up{instance=\"a:1\"}" },
        { "up{instance=~\"$instance\"}", ["a.b:1", "c:2"], null, "up{instance=~\"(a\\\\.b:1|c:2)\"}" },
        { "up{instance=\"[[instance]]\"}", ["it's"], null, "up{instance=\"it\\'s\"}" },
        { "up{instance=~\"${instance:regex}\"}", ["a.b"], null, "up{instance=~\"a\\.b\"}" },
        { "rate(x[$__rate_interval])", null, null, "rate(x[1m])" },
        { "rate(x[$__interval]) / $__range_s", null, null, "rate(x[15s]) / 3600" },
        { "up{unknown=\"$nothere\"}", null, null, "up{unknown=\"$nothere\"}" },
    };

    [Theory]
    [MemberData(nameof(Interpolations))]
    public void Interpolate_GrafanaSyntax_AsGrafanasPrometheusDataSource(string expression, string[]? given, string? label, string expected)
    {
        var variables = new[] { new DashboardVariable("instance", "query", ["node1:9100"], Multi: false, IncludeAll: false, AllValue: null, Options: []) };
        var resolved = TemplateVariables.Resolve(variables,
            given is null ? new Dictionary<string, string[]>() : new Dictionary<string, string[]> { ["instance"] = given },
            label is null ? null : new Dictionary<string, string> { ["instance"] = label });

        var result = TemplateVariables.Interpolate(expression, resolved, TimeSpan.FromSeconds(15), TemplateVariables.RateInterval(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)), TimeSpan.FromHours(1));

        Assert.Equal(expected, result);
    }

    [Fact]
    public void Resolve_AllWithoutAllValue_RegexOfTheSavedOptions()
    {
        var panel = Read("dashboard-service-overview.json", "svc-overview", 7);
        var resolved = TemplateVariables.Resolve(panel.Variables, new Dictionary<string, string[]>(), null);

        var expr = TemplateVariables.Interpolate(panel.Targets[0].Expr, resolved, TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

        Assert.Equal("sum by (handler) (rate(prometheus_http_requests_total{handler=~\"(/metrics|/api/v1/query_range)\"}[1m]))", expr);
    }

    [Theory]
    [InlineData("{{instance}} CPU", "node1:9100 CPU")]
    [InlineData("{{ job }} / {{missing}}", "node / ")]
    [InlineData("plain", "plain")]
    public void Legend_LabelTemplate_FilledFromSeriesLabels(string format, string expected) =>
        Assert.Equal(expected, TemplateVariables.Legend(format, new Dictionary<string, string> { ["instance"] = "node1:9100", ["job"] = "node" }));

    [Theory]
    [InlineData("http://grafana:3000/render/d-solo/rYdddlPWk/node?orgId=1&panelId=3&from=now-6h&to=now&var-instance=a:1&width=1000&height=500&tz=UTC", "http://grafana:3000/", "rYdddlPWk", 3)]
    [InlineData("https://ops.example.com/grafana/d-solo/abc/x?panelId=12", "https://ops.example.com/grafana/", "abc", 12)]
    [InlineData("http://grafana:3000/d/abc/node-exporter?orgId=1&viewPanel=panel-7", "http://grafana:3000/", "abc", 7)]
    [InlineData("http://grafana:3000/d/abc/?viewPanel=4", "http://grafana:3000/", "abc", 4)]
    public void Parse_PanelUrls_BaseUidAndPanel(string url, string grafanaBase, string uid, int panelId)
    {
        var reference = PanelReference.Parse(new Uri(url));

        Assert.Equal((new Uri(grafanaBase), uid, panelId), (reference.GrafanaBase, reference.DashboardUid, reference.PanelId));
    }

    [Fact]
    public void Parse_HubotRenderUrl_KeepsTimeSizeAndVariables()
    {
        var reference = PanelReference.Parse(new Uri("http://grafana:3000/render/d-solo/rYdddlPWk/?panelId=3&from=now-6h&to=now&var-instance=a:1&var-instance=b:2&width=1000&height=500&tz=Asia%2FShanghai"));

        Assert.Equal(("now-6h", "now", 1000, 500, "Asia/Shanghai"), (reference.From, reference.To, reference.Width, reference.Height, reference.TimeZone));
        Assert.Equal(["a:1", "b:2"], reference.Variables["instance"]);
    }

    [Theory]
    [InlineData("http://grafana:3000/render/d-solo/abc/x", "names no panel")]
    [InlineData("http://grafana:3000/api/dashboards/uid/abc", "is not a Grafana panel URL")]
    [InlineData("file:///etc/passwd", "not an absolute http(s) URL")]
    [InlineData("https://grafana.example.com/render/dashboard-solo/db/sample-dashboard/?panelId=5&var-server=test-server&width=1000&height=500", "names the dashboard by its slug (a URL of Grafana before 5.0): use the uid form")]
    public void Parse_NotAPanelUrl_InvalidRequestSayingWhatIsMissing(string url, string expected)
    {
        var e = Assert.Throws<PanelRenderException>(() => PanelReference.Parse(new Uri(url)));

        Assert.Equal(PanelFailure.InvalidRequest, e.Failure);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("now", 0)]
    [InlineData("now-6h", -6 * 60)]
    [InlineData("now-30m", -30)]
    [InlineData("now-2d", -2 * 24 * 60)]
    public void ParseTime_RelativeToNow(string text, int minutes)
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddMinutes(minutes), GrafanaTime.Parse(text, now, "from"));
    }

    [Fact]
    public void ParseTime_EpochMillisecondsAndRounding()
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 34, 56, TimeSpan.Zero);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764500000000), GrafanaTime.Parse("1764500000000", now, "from"));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), GrafanaTime.Parse("now-1d/d", now, "from"));
        var e = Assert.Throws<PanelRenderException>(() => GrafanaTime.Parse("yesterday", now, "from"));
        Assert.Contains("from 'yesterday' is not a Grafana time", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bytes", "Bytes", 1, null)]
    [InlineData("ms", "Seconds", 0.001, null)]
    [InlineData("percent", "Percent", 1, null)]
    [InlineData("percentunit", "PercentUnit", 1, null)]
    [InlineData("reqps", "Short", 1, "reqps")]
    [InlineData(null, "Short", 1, null)]
    public void PanelUnit_GrafanaIds_MappedToChartUnits(string? id, string unit, double scale, string? suffix) =>
        Assert.Equal(new PanelUnit(Enum.Parse<Unit>(unit), scale, suffix), PanelUnit.From(id));
}
