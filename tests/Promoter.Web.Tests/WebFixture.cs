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
    public RecordingHttpSink Sink { get; private set; } = null!;
    public PromoterProcess Promoter { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>While true, the "flaky" channel's sink answers 400 (a permanent failure, not retried).</summary>
    public volatile bool FlakyFails = true;

    public async Task InitializeAsync()
    {
        var chromium = RequiredTool.Find("chromium", "apt-get install chromium");
        await Prometheus.InitializeAsync();
        // Charts need samples: once the rule fires, Prometheus has scraped itself for a while.
        await Prometheus.WaitForFiringAsync("HighScrapeDuration", TimeSpan.FromSeconds(30));
        Sink = await RecordingHttpSink.StartAsync();
        Sink.Decide = r => r.Path.StartsWith("/flaky", StringComparison.Ordinal) && FlakyFails ? 400 : 200;
        Promoter = await PromoterProcess.StartAsync($$"""
            renderers:
              prom: { type: prometheus, url: "{{Prometheus.Url}}" }
            stores:
              local: { type: local }
            channels:
              hook: { type: webhook, url: "{{Sink.Url}}hook" }
              flaky: { type: webhook, url: "{{Sink.Url}}flaky" }
              log: { type: log }
            receivers:
              - name: ops
                renderer: prom
                store: local
                channels: [hook, flaky]
              - name: team-b
                channels: [log]
            delivery: { initial_backoff: 100ms, max_backoff: 500ms }
            """);
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
