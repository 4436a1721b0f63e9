using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Renderer.Grafana.Tests;

/// <summary>A real Prometheus, the Grafana stand-in proxying to it, and Promoter (built host, plugins folder) serving grafana-images' API.</summary>
public sealed class GrafanaImagesFixture : IAsyncLifetime
{
    public PrometheusServer Prometheus { get; } = new();
    public FakeGrafanaServer Grafana { get; private set; } = null!;
    public PromoterProcess Promoter { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Prometheus.InitializeAsync();
        Grafana = await FakeGrafanaServer.StartAsync(Prometheus.Url);
        Promoter = await PromoterProcess.StartAsync($$"""
            renderers:
              grafana: { type: grafana, url: "{{Grafana.BaseUrl}}", token: glsa_promoter_viewer, render_timeout: 2s, max_image_size: 1MiB }
            stores:
              local: { type: local, retention: 7d }
            channels:
              log: { type: log }
            receivers:
              - name: ops
                renderer: grafana
                store: local
                channels: [log]
            grafana_images: { renderer: grafana, store: local }
            """);
    }

    public async Task DisposeAsync()
    {
        await Promoter.DisposeAsync();
        await Grafana.DisposeAsync();
        await Prometheus.DisposeAsync();
    }
}

/// <summary>POST /grafana-images exactly as hubot-grafana's customFetchAndUpload calls it, and the panel form of POST /api/v1/render.</summary>
public sealed class GrafanaImagesEndpointTests(GrafanaImagesFixture fixture) : IClassFixture<GrafanaImagesFixture>
{
    private const string Dashboard = "rYdddlPWk";
    private const string CallerToken = "glsa_hubot_caller";

    private string Instance => $"127.0.0.1:{fixture.Prometheus.Port}";

    /// <summary>hubot-grafana's request: Bearer token, Accept: application/json, {"imageUrl": url} as JSON.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string? imageUrl, string? token = CallerToken, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "grafana-images")
        {
            Content = rawBody is not null ? new StringContent(rawBody, Encoding.UTF8, "application/json") : JsonContent.Create(new { imageUrl }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await fixture.Promoter.Http.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    [Fact]
    public async Task GrafanaImages_TimeseriesPanel_DrawnNativelyStoredAndServed()
    {
        fixture.Grafana.ClearRequests();
        var url = fixture.Grafana.RenderUrl(Dashboard, 4, $"from=now-5m&to=now&var-instance={Instance}&var-job=prometheus&width=1000&height=500&tz=UTC");

        var (status, body) = await PostAsync(url.ToString());

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var pubImg = body.GetProperty("pubImg").GetString()!;
        Assert.Single(body.EnumerateObject()); // exactly grafana-images' answer
        var png = await fixture.Promoter.Http.GetByteArrayAsync(new Uri(pubImg));
        ImageContent.Validate(png, "image/png");
        Assert.Equal((1000, 500), PngSize(png));
        Assert.Empty(fixture.Grafana.RenderRequests); // native: no browser render
        Assert.All(fixture.Grafana.Requests, r => Assert.Equal("Bearer " + CallerToken, r.Header("authorization")));
        Assert.Contains(fixture.Grafana.ProxiedQueries, q => q.Contains($"instance=\"{Instance}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(CallerToken, fixture.Promoter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrafanaImages_StatPanel_GrafanasPngStoredAsIs()
    {
        fixture.Grafana.ClearRequests();
        var (status, body) = await PostAsync(fixture.Grafana.RenderUrl(Dashboard, 2).ToString());

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var png = await fixture.Promoter.Http.GetByteArrayAsync(new Uri(body.GetProperty("pubImg").GetString()!));
        Assert.Equal(SampleImages.SolidPng(2, 1000, 500), png);
        Assert.Single(fixture.Grafana.RenderRequests);
    }

    [Fact]
    public async Task GrafanaImages_SensuHandlerRequest_PubImgOfGrafanasRender()
    {
        // As the Sensu handler in grafana-images' write-up posts it (Ruby Net::HTTP): Content-Type
        // application/json;charset=utf-8, no Accept header, the check's graph_image URL with &from=now-6h&to=now appended.
        fixture.Grafana.ClearRequests();
        var graphImage = new Uri(fixture.Grafana.BaseUrl, $"render/d-solo/{Dashboard}/?panelId=2&var-server=test-server&width=1000&height=500");
        using var request = new HttpRequestMessage(HttpMethod.Post, "grafana-images")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string> { ["imageUrl"] = graphImage + "&from=now-6h&to=now" }))),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json;charset=utf-8");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + CallerToken);

        using var response = await fixture.Promoter.Http.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        var png = await fixture.Promoter.Http.GetByteArrayAsync(new Uri(doc.RootElement.GetProperty("pubImg").GetString()!));
        Assert.Equal(SampleImages.SolidPng(2, 1000, 500), png);
        var render = Assert.Single(fixture.Grafana.RenderRequests);
        Assert.EndsWith("panelId=2&var-server=test-server&width=1000&height=500&from=now-6h&to=now", render.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal("Bearer " + CallerToken, render.Header("authorization"));
    }

    public static TheoryData<string, string?, string?, HttpStatusCode, string> BadRequests => new()
    {
        // name, imageUrl (GRAFANA = the stand-in's base), token, raw body, status, message
        { "GRAFANA/render/d-solo/rYdddlPWk/?panelId=2", null, null, HttpStatusCode.Unauthorized, "send the Grafana token in the Authorization header" },
        { "GRAFANA/render/d-solo/rYdddlPWk/?panelId=2", "glsa_not_a_token", null, HttpStatusCode.Unauthorized, "HTTP 401 with \"Invalid API key\"" },
        { "http://169.254.169.254/render/d-solo/x/?panelId=1", CallerToken, null, HttpStatusCode.Forbidden, "is not on a configured Grafana host" },
        { "GRAFANA/render/d-solo/nope/?panelId=2", CallerToken, null, HttpStatusCode.NotFound, "Dashboard not found" },
        { "GRAFANA/render/d-solo/rYdddlPWk/?panelId=99", CallerToken, null, HttpStatusCode.NotFound, "has no panel 99" },
        { "GRAFANA/render/d-solo/rYdddlPWk/?from=now-1h", CallerToken, null, HttpStatusCode.BadRequest, "names no panel" },
        { "", CallerToken, null, HttpStatusCode.BadRequest, "imageUrl is required" },
        { "/render/d-solo/x", CallerToken, null, HttpStatusCode.BadRequest, "absolute http(s) URL" },
        { "", CallerToken, "{\"imageUrl\": ", HttpStatusCode.BadRequest, "the body is not valid JSON" },
        { "", CallerToken, "{\"imageUrl\": \"" + new string('a', 20_000) + "\"}", HttpStatusCode.RequestEntityTooLarge, "larger than 16384 bytes" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task GrafanaImages_BadInput_JsonErrorWithStatus(string imageUrl, string? token, string? rawBody, HttpStatusCode expected, string message)
    {
        var (status, body) = await PostAsync(imageUrl.Replace("GRAFANA/", fixture.Grafana.BaseUrl.ToString(), StringComparison.Ordinal), token, rawBody);

        Assert.Equal(expected, status);
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.Contains(message, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<GrafanaRenderBehavior, HttpStatusCode, string> RendererFaults => new()
    {
        { GrafanaRenderBehavior.HtmlError, HttpStatusCode.BadGateway, "answered HTTP 500 with an HTML page" },
        { GrafanaRenderBehavior.HtmlAsPng, HttpStatusCode.BadGateway, "not a valid PNG" },
        { GrafanaRenderBehavior.Redirect, HttpStatusCode.Forbidden, "the redirect was not followed" },
        { GrafanaRenderBehavior.LargePng, HttpStatusCode.BadGateway, "answered more than 1048576 bytes" },
        { GrafanaRenderBehavior.Slow, HttpStatusCode.BadGateway, "did not answer within 2s" },
    };

    [Theory]
    [MemberData(nameof(RendererFaults))]
    public async Task GrafanaImages_RendererFault_NothingStoredAndJsonError(GrafanaRenderBehavior behavior, HttpStatusCode expected, string message)
    {
        var before = StoredFiles();
        fixture.Grafana.RenderBehavior = behavior;
        try
        {
            var (status, body) = await PostAsync(fixture.Grafana.RenderUrl(Dashboard, 2).ToString());

            Assert.True(status == expected && body.GetProperty("error").GetString()!.Contains(message, StringComparison.Ordinal), body.ToString());
            Assert.Equal(before, StoredFiles());
        }
        finally
        {
            fixture.Grafana.RenderBehavior = GrafanaRenderBehavior.Png;
        }
    }

    [Fact]
    public async Task RenderApi_GrafanaPanelForm_PngAndStoredUrl()
    {
        using var png = await fixture.Promoter.Http.PostAsJsonAsync("api/v1/render",
            new { dashboard = Dashboard, panelId = 5, vars = new Dictionary<string, string> { ["instance"] = Instance, ["job"] = "prometheus" }, width = 640, height = 320 });
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.True(png.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(bytes));
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal((640, 320), PngSize(bytes));

        using var stored = await fixture.Promoter.Http.PostAsJsonAsync("api/v1/render", new { dashboard = Dashboard, panelId = 2, store = "local" });
        using var doc = JsonDocument.Parse(await stored.Content.ReadAsStringAsync());
        Assert.True(stored.StatusCode == HttpStatusCode.OK, doc.RootElement.ToString());
        ImageContent.Validate(await fixture.Promoter.Http.GetByteArrayAsync(new Uri(doc.RootElement.GetProperty("url").GetString()!)), "image/png");

        using var missing = await fixture.Promoter.Http.PostAsJsonAsync("api/v1/render", new { dashboard = "nope", panelId = 1 });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var noPanel = await fixture.Promoter.Http.PostAsJsonAsync("api/v1/render", new { dashboard = Dashboard });
        Assert.Equal(HttpStatusCode.BadRequest, noPanel.StatusCode);
        Assert.Contains("panelId is required", await noPanel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_GrafanaManagedAlerts_PanelImageForOneNotesForBadOnesTextStillSent()
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O");
        var payload = $$"""
            {"version":"4","groupKey":"{}:{alertname=\"NodeCpuBusy\"}","truncatedAlerts":0,"status":"firing","receiver":"ops",
             "groupLabels":{"alertname":"NodeCpuBusy"},"commonLabels":{"alertname":"NodeCpuBusy"},"commonAnnotations":{},
             "externalURL":"http://grafana.example.com/alerting","alerts":[
              {"status":"firing","labels":{"alertname":"NodeCpuBusy","instance":"{{Instance}}","job":"prometheus"},
               "annotations":{"__dashboardUid__":"{{Dashboard}}","__panelId__":"3","summary":"CPU busy"},
               "startsAt":"{{startsAt}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"a1"},
              {"status":"firing","labels":{"alertname":"NodeCpuBusy","instance":"gone:9100"},
               "annotations":{"__dashboardUid__":"deleted-dashboard","__panelId__":"3"},
               "startsAt":"{{startsAt}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"a2"},
              {"status":"firing","labels":{"alertname":"NodeCpuBusy","instance":"evil:9100"},
               "annotations":{"grafana_panel_url":"http://10.0.0.1:3000/d/x/?viewPanel=1"},
               "startsAt":"{{startsAt}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"a3"}]}
            """;
        var before = fixture.Promoter.LoggedNotifications.Count;

        using var response = await fixture.Promoter.PostWebhookAsync("ops", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await fixture.Promoter.WaitUntilAsync(() => fixture.Promoter.LoggedNotifications.Count > before, TimeSpan.FromSeconds(30), "the notification");
        using var doc = JsonDocument.Parse(fixture.Promoter.LoggedNotifications[before]);
        var image = Assert.Single(doc.RootElement.GetProperty("Images").EnumerateArray());
        Assert.Contains("(Grafana panel, native: timeseries panel", image.GetProperty("Title").GetString(), StringComparison.Ordinal);
        var notes = doc.RootElement.GetProperty("Notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.Contains("Dashboard not found", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("is not on a configured Grafana host", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Grafana.Requests, r => r.PathAndQuery.Contains("/d/x/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_GrafanaRendererSlow_TextSentWithoutTheImageWithinRenderTimeout()
    {
        // Panel 2 is a stat panel: only Grafana's renderer can draw it, and here it takes 20 s (render_timeout: 2s).
        var payload = $$"""
            {"version":"4","groupKey":"{}:{alertname=\"UptimeLow\"}","truncatedAlerts":0,"status":"firing","receiver":"ops",
             "groupLabels":{"alertname":"UptimeLow"},"commonLabels":{"alertname":"UptimeLow"},"commonAnnotations":{},
             "externalURL":"http://grafana.example.com/alerting","alerts":[
              {"status":"firing","labels":{"alertname":"UptimeLow","instance":"{{Instance}}"},
               "annotations":{"__dashboardUid__":"{{Dashboard}}","__panelId__":"2","summary":"uptime low"},
               "startsAt":"{{DateTimeOffset.UtcNow.AddMinutes(-1):O}}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"s1"}]}
            """;
        var before = fixture.Promoter.LoggedNotifications.Count;
        fixture.Grafana.ClearRequests();
        fixture.Grafana.RenderBehavior = GrafanaRenderBehavior.Slow;
        fixture.Grafana.RenderDelay = TimeSpan.FromSeconds(20);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var response = await fixture.Promoter.PostWebhookAsync("ops", payload);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await fixture.Promoter.WaitUntilAsync(() => fixture.Promoter.LoggedNotifications.Count > before, TimeSpan.FromSeconds(15), "the notification");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the text went out after {clock.Elapsed}, not within the render timeout");
            using var doc = JsonDocument.Parse(fixture.Promoter.LoggedNotifications[before]);
            Assert.Empty(doc.RootElement.GetProperty("Images").EnumerateArray());
            var notes = doc.RootElement.GetProperty("Notes").EnumerateArray().Select(n => n.GetString()!).ToList();
            Assert.Contains(notes, n => n.Contains("chart for UptimeLow unavailable", StringComparison.Ordinal) && n.Contains("did not answer within 2s", StringComparison.Ordinal));
            Assert.Contains("var-instance=", Assert.Single(fixture.Grafana.RenderRequests).PathAndQuery, StringComparison.Ordinal); // asked once, with the alert's labels
        }
        finally
        {
            fixture.Grafana.RenderBehavior = GrafanaRenderBehavior.Png;
            fixture.Grafana.RenderDelay = TimeSpan.FromSeconds(5);
        }
    }

    private string[] StoredFiles() => Directory.Exists(Path.Combine(fixture.Promoter.DataDirectory, "images"))
        ? Directory.GetFiles(Path.Combine(fixture.Promoter.DataDirectory, "images"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
        : [];

    private static (int, int) PngSize(byte[] png) =>
        ((int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20)));
}
