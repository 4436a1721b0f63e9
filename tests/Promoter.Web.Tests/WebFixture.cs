using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Web.Tests;

/// <summary>
/// One real Prometheus (charts), one recording sink (the webhook channel's stand-in), one Promoter process and
/// one headless Debian chromium driven by Playwright, shared by the tests of a class. Each test uses its own
/// alert names, so the tests do not see each other's alerts.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    // Playwright cannot download its own browser here: it drives the distribution's chromium.
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private IPlaywright? _playwright;

    public PrometheusServer Prometheus { get; } = new();
    public S3Server S3 { get; } = new();
    public RecordingHttpSink Sink { get; private set; } = null!;
    public PromoterProcess Promoter { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The alert posted to the S3-backed receiver at start-up (see BrowserTests' expired-link test).</summary>
    public const string ArchiveFingerprint = "s3ex000000000001";

    /// <summary>While true, the "flaky" channel's sink answers 400 (a permanent failure, not retried).</summary>
    public volatile bool FlakyFails = true;

    public async Task InitializeAsync()
    {
        var chromium = RequiredTool.Find("chromium", "apt-get install chromium");
        await Prometheus.InitializeAsync();
        // Charts need samples: once the rule fires, Prometheus has scraped itself for a while.
        await Prometheus.WaitForFiringAsync("HighScrapeDuration", TimeSpan.FromSeconds(30));
        await S3.InitializeAsync();
        Sink = await RecordingHttpSink.StartAsync();
        Sink.Decide = r => r.Path.StartsWith("/flaky", StringComparison.Ordinal) && FlakyFails ? 400 : 200;
        Promoter = await PromoterProcess.StartAsync($$"""
            renderers:
              prom: { type: prometheus, url: "{{Prometheus.Url}}" }
            stores:
              local: { type: local }
              # Presigned links of the shortest lifetime: the history page must serve the chart after they expire.
              s3: { type: s3, endpoint: "{{S3.Endpoint}}", bucket: {{S3Server.Bucket}}, force_path_style: true,
                    access_key: {{S3Server.AccessKey}}, secret_key: {{S3Server.SecretKey}}, presign_expiry: 1m, max_retries: 0 }
            channels:
              hook: { type: webhook, url: "{{Sink.Url}}hook" }
              flaky: { type: webhook, url: "{{Sink.Url}}flaky" }
              log: { type: log }
              # Only previewed in the playground (no receiver sends to them): their URLs are never called.
              ding: { type: dingtalk, url: "{{Sink.Url}}robot/send?access_token=ding-token-0001" }
              slack: { type: slack, webhook_url: "{{Sink.Url}}services/T000/B000/slacksecret01" }
              feishu: { type: feishu, url: "{{Sink.Url}}open-apis/bot/v2/hook/feishu-token-0001" }
              wecom: { type: wecom, url: "{{Sink.Url}}cgi-bin/webhook/send?key=wecom-key-0001" }
              teams: { type: teams, webhook_url: "{{Sink.Url}}workflows/teams?sig=teams-sig-0001" }
              mail: { type: email, host: 127.0.0.1, port: 9, from: alerts@example.com, to: [ops@example.com] }
            receivers:
              - name: ops
                renderer: prom
                store: local
                channels: [hook, flaky]
              - name: team-b
                channels: [log]
              - name: archive
                renderer: prom
                store: s3
                channels: [log]
              - name: showcase
                channels: [ding, slack, feishu, wecom, teams, mail]
            delivery: { initial_backoff: 100ms, max_backoff: 500ms }
            """);
        // Posted first so that its 1-minute presigned chart link has expired by the time the other tests are done.
        await PostAsync("archive", Payload("S3Expiry", ArchiveFingerprint));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Promoter is not null)
        {
            await Promoter.DisposeAsync();
        }

        if (Sink is not null)
        {
            await Sink.DisposeAsync();
        }

        await Prometheus.DisposeAsync();
        await S3.DisposeAsync();
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, BaseURL = Promoter.BaseUrl.ToString() });
        page.SetDefaultTimeout(20_000);
        return page;
    }

    /// <summary>The recorded firing payload with another alert name, fingerprint, severity and annotations.</summary>
    public string Payload(string alertName, string fingerprint, string severity = "warning", string? description = null,
        string status = "firing", DateTimeOffset? startsAt = null)
    {
        // Recent by default, so that the chart's window holds the samples this Prometheus has scraped so far.
        var starts = (startsAt ?? DateTimeOffset.UtcNow.AddMinutes(-1)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var json = File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json"))
            .Replace("http://vm:19090", Prometheus.Url, StringComparison.Ordinal)
            .Replace("HighScrapeDuration", alertName, StringComparison.Ordinal);
        var root = JsonNode.Parse(json)!;
        var alert = root["alerts"]![0]!;
        alert["fingerprint"] = fingerprint;
        alert["startsAt"] = starts;
        alert["labels"]!["severity"] = severity;
        root["commonLabels"]!["severity"] = severity;
        if (description is not null)
        {
            alert["annotations"]!["description"] = description;
            alert["annotations"]!["summary"] = description;
        }

        if (status == "resolved")
        {
            root["status"] = "resolved";
            alert["status"] = "resolved";
            alert["endsAt"] = DateTimeOffset.Parse(starts, System.Globalization.CultureInfo.InvariantCulture).AddMinutes(5).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }

        return root.ToJsonString();
    }

    public async Task PostAsync(string receiver, string payload)
    {
        using var r = await Promoter.PostWebhookAsync(receiver, payload);
        Assert.True(r.IsSuccessStatusCode, $"webhook answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
    }

    /// <summary>Saves a screenshot under docs/images when PROMOTER_UPDATE_DOCS_IMAGES=1 (how the README's pictures are made).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(TestPaths.NewTempDirectory("promoter-web"), name);
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], bytes[..4]);
        if (Environment.GetEnvironmentVariable("PROMOTER_UPDATE_DOCS_IMAGES") == "1")
        {
            File.Copy(path, TestPaths.TestData("..", "..", "docs", "images", name), overwrite: true);
        }
    }
}

/// <summary>One Prometheus, sink, Promoter and browser for every test class of this project.</summary>
[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
