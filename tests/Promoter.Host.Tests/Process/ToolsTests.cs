using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Process;

/// <summary>`promoter render`, POST /api/v1/render and template previews against a real Prometheus.</summary>
public sealed class ToolsTests(PrometheusServer prometheus) : IClassFixture<PrometheusServer>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Receiver "ops": the prometheus renderer at <paramref name="prometheusUrl"/>, the host-served local
    /// store and the log channel.</summary>
    internal static string RenderingConfig(string prometheusUrl, string rendererOptions = "") => $$"""
        renderers:
          prom: { type: prometheus, url: "{{prometheusUrl}}"{{rendererOptions}} }
        stores:
          local: { type: local }
        channels:
          log: { type: log }
        receivers:
          - name: ops
            renderer: prom
            store: local
            channels: [log]
        """;

    private static async Task<(int Code, string Output)> RunCli(params string[] args)
    {
        await using var p = ChildProcess.Start("dotnet", [Path.Combine(TestPaths.HostBinDirectory, "promoter.dll"), .. args],
            workingDirectory: TestPaths.NewTempDirectory("promoter-cli"));
        var code = await p.WaitForExitAsync(TimeSpan.FromMinutes(1));
        return (code, p.Output);
    }

    [Theory]
    [InlineData("chart.png")]
    [InlineData("chart.svg")]
    public async Task RenderCli_QueryWithComparison_WritesImage(string file)
    {
        await prometheus.WaitForFiringAsync("HighScrapeDuration", TimeSpan.FromSeconds(30));
        var output = Path.Combine(TestPaths.NewTempDirectory("promoter-render"), file);

        var (code, text) = await RunCli("render", $"--prometheus.url={prometheus.Url}",
            "--query=scrape_duration_seconds{job=\"prometheus\"} > 0.000001", "--from=5m", $"--out={output}", "--title=Scrape duration");

        Assert.True(code == 0, text);
        var bytes = await File.ReadAllBytesAsync(output);
        if (file.EndsWith(".png", StringComparison.Ordinal))
        {
            Assert.Equal(PngSignature, bytes[..8]);
            Assert.Contains("800x400 image/png", text, StringComparison.Ordinal);
        }
        else
        {
            var svg = Encoding.UTF8.GetString(bytes);
            Assert.Contains("<svg", svg, StringComparison.Ordinal);
            Assert.Contains("Scrape duration", svg, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RenderCli_BadQuery_ExitOneWithPrometheusError()
    {
        var (code, text) = await RunCli("render", $"--prometheus.url={prometheus.Url}", "--query=rate(", $"--out={Path.GetTempFileName()}.png");

        Assert.Equal(1, code);
        Assert.Contains("cannot render:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderApi_WithAndWithoutStore_PngOrStoredUrlServedByHost()
    {
        await using var promoter = await PromoterProcess.StartAsync(RenderingConfig(prometheus.Url));

        using var png = await promoter.Http.PostAsJsonAsync("api/v1/render", new { query = "up == 1" });
        using var stored = await promoter.Http.PostAsJsonAsync("api/v1/render", new { query = "up", store = "local" });
        using var missing = await promoter.Http.PostAsJsonAsync("api/v1/render", new { title = "no query" });

        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PngSignature, (await png.Content.ReadAsByteArrayAsync())[..8]);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        using var doc = JsonDocument.Parse(await stored.Content.ReadAsStringAsync());
        var url = new Uri(doc.RootElement.GetProperty("url").GetString()!);
        Assert.StartsWith("/images/", url.AbsolutePath, StringComparison.Ordinal);
        using var image = await promoter.Http.GetAsync(url.PathAndQuery.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("query is required", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_WithRendererAndLocalStore_LoggedWithChartUrlTheHostServes()
    {
        await prometheus.WaitForFiringAsync("HighScrapeDuration", TimeSpan.FromSeconds(30));
        await using var promoter = await PromoterProcess.StartAsync(RenderingConfig(prometheus.Url));
        var payload = File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json"))
            .Replace("http://vm:19090", prometheus.Url, StringComparison.Ordinal);

        using var r = await promoter.PostWebhookAsync("ops", payload);
        await promoter.WaitUntilAsync(() => promoter.LoggedNotifications.Count > 0, TimeSpan.FromSeconds(30), "the notification");

        using var doc = JsonDocument.Parse(promoter.LoggedNotifications[0]);
        Assert.Empty(doc.RootElement.GetProperty("Notes").EnumerateArray());
        var image = Assert.Single(doc.RootElement.GetProperty("Images").EnumerateArray());
        var url = new Uri(image.GetProperty("Url").GetString()!);
        Assert.Contains(url.ToString(), doc.RootElement.GetProperty("Text").GetString(), StringComparison.Ordinal);
        using var fetched = await promoter.Http.GetAsync(url.PathAndQuery.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(PngSignature, (await fetched.Content.ReadAsByteArrayAsync())[..8]);
        var metrics = await promoter.Http.GetStringAsync("metrics");
        Assert.Contains("promoter_render_duration_seconds_count{renderer=\"prom\",result=\"success\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplatePreview_SampleAndGivenData_RendersOrNamesTheError()
    {
        await using var promoter = await PromoterProcess.StartAsync("channels:\n  log: { type: log }\nreceivers:\n  - name: ops\n    channels: [log]\n");
        var fixture = JsonDocument.Parse(File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json"))).RootElement;

        using var sample = await promoter.Http.PostAsJsonAsync("api/v1/templates/preview", new { template = "{{ template \"__subject\" . }}" });
        using var given = await promoter.Http.PostAsJsonAsync("api/v1/templates/preview", new { template = "{{ .CommonLabels.team }}", data = fixture });
        using var broken = await promoter.Http.PostAsJsonAsync("api/v1/templates/preview", new { template = "{{ if }}" });

        Assert.Equal("[FIRING:1] HighLatency (api warning)", (await sample.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("output").GetString());
        Assert.Equal("运维", (await given.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("output").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        Assert.Contains("preview:1", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // amtool 0.25 needs --template.glob and, given one, does not load its own default templates; the
    // templates compared here therefore come from the glob. The full differential suite is in Promoter.Templating.Tests.
    [Theory]
    [InlineData("{{ template \"mine\" . }}")]
    [InlineData("{{ range .Alerts }}{{ .Labels.alertname }} {{ .StartsAt }} {{ .Annotations.description }}\n{{ end }}")]
    [InlineData("{{ .CommonLabels.SortedPairs.Values | join \",\" }} {{ printf \"%05.1f|%-6s|%q\" 3.14159 .Status .Receiver }}")]
    public async Task TemplateRenderCli_SameOutputAsAmtool(string template)
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install prometheus-alertmanager");
        var data = TestPaths.TestData("alertmanager-0.25", "firing-single.json");
        var glob = Path.Combine(TestPaths.NewTempDirectory("promoter-tmpl"), "mine.tmpl");
        await File.WriteAllTextAsync(glob, "{{ define \"mine\" }}[{{ .Status | toUpper }}] {{ .GroupLabels.alertname }}: {{ (index .Alerts 0).Annotations.summary }}{{ end }}");
        await using var reference = ChildProcess.Start(amtool, ["template", "render", $"--template.glob={glob}", $"--template.text={template}", $"--template.data={data}"]);
        Assert.True(await reference.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, reference.Output);

        var (code, ours) = await RunCli("template", "render", $"--template.glob={glob}", $"--template.text={template}", $"--template.data={data}");

        Assert.True(code == 0, ours);
        Assert.Equal(reference.Output, ours);
    }

    [Fact]
    public async Task EmbeddedDefault_AnyReceiverName_LoggedToDataFolder()
    {
        await using var promoter = await PromoterProcess.StartAsync(configYaml: null);

        using var r = await promoter.PostWebhookAsync("whatever-name", File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json")));
        await promoter.WaitUntilAsync(() => promoter.LoggedNotifications.Count > 0, TimeSpan.FromSeconds(40), "the log channel's line");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.True(File.Exists(Path.Combine(promoter.DataDirectory, "state.db")));
        Assert.Contains("\"Receiver\":\"whatever-name\"", promoter.LoggedNotifications[0], StringComparison.Ordinal);
        var plugins = await promoter.Http.GetStringAsync("api/v1/plugins");
        Assert.DoesNotContain("\"failed\"", plugins, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebPage_AfterFiringAndResolved_ChromiumShowsTimelineWithChart()
    {
        var chromium = RequiredTool.Find("chromium", "apt-get install chromium");
        await prometheus.WaitForFiringAsync("HighScrapeDuration", TimeSpan.FromSeconds(30));
        await using var promoter = await PromoterProcess.StartAsync(RenderingConfig(prometheus.Url));
        foreach (var fixture in new[] { "firing-single.json", "resolved.json" })
        {
            var payload = File.ReadAllText(TestPaths.TestData("alertmanager-0.25", fixture)).Replace("http://vm:19090", prometheus.Url, StringComparison.Ordinal);
            using var r = await promoter.PostWebhookAsync("ops", payload);
        }

        await promoter.WaitUntilAsync(() => promoter.LoggedNotifications.Count >= 2, TimeSpan.FromSeconds(30), "both notifications");

        // A list with an end time is a fixed view: without one the page holds the live event stream open, and
        // --dump-dom would wait for it to finish.
        var list = await Chromium(chromium, $"{promoter.BaseUrl}?until=2100-01-01T00:00:00Z", "--dump-dom");
        var page = await Chromium(chromium, $"{promoter.BaseUrl}alerts/6b1410b0fcb84541", "--dump-dom");
        var screenshot = Path.Combine(TestPaths.NewTempDirectory("promoter-ui"), "alert.png");
        await Chromium(chromium, $"{promoter.BaseUrl}alerts/6b1410b0fcb84541", $"--screenshot={screenshot}", "--window-size=1200,900");

        Assert.Contains(">HighScrapeDuration</a>", list, StringComparison.Ordinal);
        Assert.Contains("team=运维", list, StringComparison.Ordinal);
        Assert.Contains("class=\"badge resolved\"", list, StringComparison.Ordinal);
        Assert.Contains("<img class=\"chart\"", page, StringComparison.Ordinal);
        Assert.Contains("src=\"/ui/images/", page, StringComparison.Ordinal);
        Assert.Contains("2026-11-21 22:45:20 UTC", page, StringComparison.Ordinal);
        Assert.Equal(PngSignature, (await File.ReadAllBytesAsync(screenshot))[..8]);
        if (Environment.GetEnvironmentVariable("PROMOTER_UPDATE_DOCS_IMAGES") == "1")
        {
            File.Copy(screenshot, TestPaths.TestData("..", "..", "docs", "images", "web-alert-timeline.png"), overwrite: true);
        }
    }

    private static async Task<string> Chromium(string chromium, string url, params string[] extra)
    {
        var profile = TestPaths.NewTempDirectory("promoter-chromium");
        await using var p = ChildProcess.Start(chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--virtual-time-budget=3000", .. extra, url,
        ]);
        var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, p.Output);
        return p.Output;
    }
}
