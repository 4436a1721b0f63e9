using System.Text.Json;
using Microsoft.Playwright;

namespace Promoter.Web.Tests;

/// <summary>The web page in headless chromium: live list, filters, the alert page's charts, escaping, re-send,
/// report and playground, keyboard and phone width.</summary>
[Collection(WebCollection.Name)]
public sealed class BrowserTests(WebFixture web)
{
    private const string Script = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">";

    [Fact]
    public async Task AlertsList_NewWebhook_AppearsLiveWithoutReload()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("body[data-live=on]").WaitForAsync();

        await web.PostAsync("ops", web.Payload("LiveArrival", "live000000000001", "critical"));

        var row = page.Locator("#alerts tbody tr[data-key='live000000000001|ops']");
        await row.WaitForAsync();
        Assert.Contains("LiveArrival", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("1", await page.EvaluateAsync<string>("() => document.body.dataset.liveEvents"));
        await WebFixture.ScreenshotAsync(page, "web-alerts-list.png");
    }

    [Fact]
    public async Task AlertsList_FilterBySeverityAndReceiver_OnlyMatchingRowsArrive()
    {
        await web.PostAsync("team-b", web.Payload("FilterOld", "filt000000000001", "critical"));
        var page = await web.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("select[name=receiver]").SelectOptionAsync("team-b");
        await page.Locator("select[name=severity]").SelectOptionAsync("critical");
        await page.Locator("#filters button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/?receiver=team-b&**");
        await page.Locator("body[data-live=on]").WaitForAsync();
        Assert.Equal(1, await page.Locator("#alerts tbody tr[data-key='filt000000000001|team-b']").CountAsync());
        Assert.Equal(0, await page.Locator("#alerts tbody tr[data-key$='|ops']").CountAsync());

        await web.PostAsync("team-b", web.Payload("FilterWarning", "filt000000000002", "warning"));
        await web.PostAsync("ops", web.Payload("FilterOtherReceiver", "filt000000000003", "critical"));
        await web.PostAsync("team-b", web.Payload("FilterMatch", "filt000000000004", "critical"));

        await page.Locator("#alerts tbody tr[data-key='filt000000000004|team-b']").WaitForAsync();
        Assert.Equal(0, await page.Locator("#alerts tbody tr[data-key='filt000000000002|team-b']").CountAsync());
        Assert.Equal(0, await page.Locator("#alerts tbody tr[data-key='filt000000000003|ops']").CountAsync());
    }

    [Fact]
    public async Task AlertPage_ScriptInAnnotation_ShownAsTextAndChartsLoaded()
    {
        await web.PostAsync("ops", web.Payload("Escaping", "esc0000000000001", description: Script));
        await web.Promoter.WaitForJsonAsync("api/v1/alerts/esc0000000000001/history",
            h => h.GetProperty("deliveries").EnumerateArray().Count(d => d.GetProperty("state").GetString() != "Pending") == 2,
            TimeSpan.FromSeconds(30), "both deliveries finished");

        var list = await web.NewPageAsync();
        await list.GotoAsync("/");
        await list.Locator("#alerts tbody tr[data-key='esc0000000000001|ops']").WaitForAsync();
        var page = await web.NewPageAsync();
        await page.GotoAsync("/alerts/esc0000000000001");

        Assert.Equal(Script, await page.Locator("#annotations dd").First.InnerTextAsync());
        Assert.Contains(Script, await list.Locator("#alerts tbody tr[data-key='esc0000000000001|ops']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.True(await list.EvaluateAsync<bool>("() => window.__xss === undefined"));
        var charts = page.Locator("img.chart");
        Assert.True(await charts.CountAsync() >= 1, await page.ContentAsync());
        foreach (var chart in await charts.AllAsync())
        {
            await chart.ScrollIntoViewIfNeededAsync();
            await page.WaitForFunctionAsync("img => img.complete", await chart.ElementHandleAsync());
            Assert.True(await chart.EvaluateAsync<int>("img => img.naturalWidth") > 0, $"chart {await chart.GetAttributeAsync("src")} did not load");
        }

        var silence = await page.Locator("a", new() { HasText = "Silence in Alertmanager" }).GetAttributeAsync("href");
        Assert.StartsWith("http://vm:19093/#/silences/new?filter=", silence, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString("alertname=\"Escaping\""), silence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resend_FailedDeliveryByKeyboard_SinkReceivesItAndPageShowsSucceeded()
    {
        web.FlakyFails = true;
        await web.PostAsync("ops", web.Payload("Resend", "rsnd000000000001"));
        using var failed = await web.Promoter.WaitForJsonAsync("api/v1/alerts/rsnd000000000001/history",
            h => h.GetProperty("deliveries").EnumerateArray().Any(d => d.GetProperty("state").GetString() == "Failed"),
            TimeSpan.FromSeconds(30), "the flaky channel's delivery to fail");
        var before = web.Sink.Requests.Count(r => r.Path == "/flaky" && r.Body.Contains("rsnd000000000001", StringComparison.Ordinal));
        web.FlakyFails = false;

        var page = await web.NewPageAsync();
        await page.GotoAsync("/alerts/rsnd000000000001");
        await WebFixture.ScreenshotAsync(page, "web-alert-page.png");
        // Keyboard only: Tab until the Re-send button has focus, then Enter.
        for (var i = 0; i < 40 && !await page.EvaluateAsync<bool>("() => document.activeElement?.classList.contains('resend') === true"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement?.classList.contains('resend') === true"), "Tab never reached the Re-send button");
        await page.Keyboard.PressAsync("Enter");

        await page.Locator("td[id^=delivery-state-] .badge.succeeded >> nth=1").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator("td[id^=delivery-state-] .badge.failed").CountAsync());
        Assert.Equal(before + 1, web.Sink.Requests.Count(r => r.Path == "/flaky" && r.Body.Contains("rsnd000000000001", StringComparison.Ordinal)));
        Assert.Equal(200, web.Sink.Requests.Last(r => r.Path == "/flaky").AnsweredStatus);
    }

    [Fact]
    public async Task Playground_EditTemplate_PreviewFollowsAndErrorsNameLineAndColumn()
    {
        await web.PostAsync("ops", web.Payload("Playground", "play000000000001"));
        var page = await web.NewPageAsync();
        await page.GotoAsync("/playground");
        await page.Locator("#pg-receiver").SelectOptionAsync("ops");
        await page.Locator("#pg-group option >> nth=1").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.WaitForFunctionAsync("() => document.getElementById('pg-payload').value.includes('play000000000001')");

        await page.Locator("#pg-template").FillAsync("{{ range .Alerts }}**{{ .Labels.alertname }}** is {{ .Status }}{{ end }}");
        await page.WaitForFunctionAsync("() => document.getElementById('pg-output').textContent === '**Playground** is firing'");
        Assert.Equal("Playground", await page.Locator("#pg-rendered strong").InnerTextAsync());

        await page.Locator("#pg-template").FillAsync("first line\n  {{ .Status | nosuchfunction }}");
        await page.Locator("#pg-where").Filter(new() { HasTextString = "line 2" }).WaitForAsync();
        Assert.Contains("nosuchfunction", await page.Locator("#pg-error").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Playground_ChannelPreview_EachTypeShowsItsOwnPayloadAndFollowsEdits()
    {
        var page = await web.NewPageAsync(1400, 1000);
        await page.GotoAsync("/playground");
        await page.Locator("#pg-receiver").SelectOptionAsync("showcase");
        await page.Locator("#pg-channel").SelectOptionAsync("ding");
        await page.Locator("#pg-template").FillAsync("### {{ .CommonLabels.alertname }} is {{ .Status }}\n- **severity**: {{ .CommonLabels.severity }}");

        // DingTalk: the robot's markdown message, its text rendered as DingTalk's Markdown.
        await page.Locator("#pg-rendered[data-type=dingtalk] h3", new() { HasText = "is firing" }).WaitForAsync();
        Assert.Equal("severity", await page.Locator("#pg-rendered li strong").InnerTextAsync());
        Assert.Contains("\"msgtype\": \"markdown\"", await SentAsync(page), StringComparison.Ordinal);
        await page.Locator("#pg-template").FillAsync("### edited {{ .Status }}");
        await page.Locator("#pg-rendered[data-type=dingtalk] h3", new() { HasText = "edited firing" }).WaitForAsync();
        Assert.Equal("", await page.Locator("#pg-payload").InputValueAsync()); // showcase has no groups: the built-in sample
        await page.Locator("#pg-template").FillAsync("fine\n  {{ .Status | nosuchfunction }}");
        await page.Locator("#pg-where").Filter(new() { HasTextString = "line 2, column" }).WaitForAsync();
        await page.Locator("#pg-template").FillAsync("### edited {{ .Status }}");

        // Slack: Block Kit with a header and mrkdwn sections; "###" is not a heading in mrkdwn, so it stays text.
        await page.Locator("#pg-channel").SelectOptionAsync("slack");
        await page.Locator("#pg-rendered[data-type=slack] .slack-header").WaitForAsync();
        await page.Locator("#pg-rendered p", new() { HasText = "### edited firing" }).WaitForAsync();
        var slack = await SentAsync(page);
        Assert.Contains("\"blocks\"", slack, StringComparison.Ordinal);
        Assert.Contains("\"mrkdwn\"", slack, StringComparison.Ordinal);

        // Feishu: an interactive card whose header colour follows the severity.
        await page.Locator("#pg-channel").SelectOptionAsync("feishu");
        await page.Locator("#pg-rendered[data-type=feishu] .card-header").WaitForAsync();
        await page.Locator("#pg-rendered[data-type=feishu] h3", new() { HasText = "edited firing" }).WaitForAsync();
        Assert.Contains("\"interactive\"", await SentAsync(page), StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "web-playground.png");

        // WeCom: the robot's markdown message.
        await page.Locator("#pg-channel").SelectOptionAsync("wecom");
        await page.Locator("#pg-rendered[data-type=wecom] h3", new() { HasText = "edited firing" }).WaitForAsync();
        Assert.Contains("\"content\"", await SentAsync(page), StringComparison.Ordinal);

        // Teams: an Adaptive Card in a message attachment.
        await page.Locator("#pg-channel").SelectOptionAsync("teams");
        await page.Locator("#pg-rendered[data-type=teams]").WaitForAsync();
        await page.Locator("#pg-rendered[data-type=teams] h3", new() { HasText = "edited firing" }).WaitForAsync();
        Assert.Contains("\"AdaptiveCard\"", await SentAsync(page), StringComparison.Ordinal);

        // E-mail: the HTML body template (html/template escaping), the MIME message, the mail as a client shows it.
        await page.Locator("#pg-channel").SelectOptionAsync("mail");
        Assert.Equal("html", await page.Locator("#pg-field").InputValueAsync());
        await page.Locator("#pg-template").FillAsync("<h2>{{ .CommonLabels.alertname }}</h2><p style=\"color: rgb(200, 0, 0)\">{{ .Status }} {{ \"<script>window.__xss=3</script>\" }}</p>");
        var heading = page.Locator("#pg-mail h2"); // Playwright's CSS reaches into the open shadow root
        await heading.WaitForAsync();
        Assert.Equal("rgb(200, 0, 0)", await page.Locator("#pg-mail p").EvaluateAsync<string>("p => getComputedStyle(p).color"));
        Assert.Contains("<script>window.__xss=3</script>", await page.Locator("#pg-mail p").InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("Subject: ", await page.Locator(".mail-subject").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("SMTP DATA", await page.Locator("#pg-sent").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));

        // The channels' URLs carry their tokens: none of them reaches the page.
        var content = await page.ContentAsync() + await page.Locator("#pg-sent").InnerTextAsync();
        foreach (var secret in new[] { "ding-token-0001", "slacksecret01", "feishu-token-0001", "wecom-key-0001", "teams-sig-0001" })
        {
            Assert.DoesNotContain(secret, content, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AlertPage_S3PresignedLinkExpired_ChartServedThroughPromoterAndLoads()
    {
        // The fixture posted this alert at start-up to a receiver whose S3 store presigns for 1 minute (the shortest).
        var logged = await WaitForLoggedAsync("archive", "S3Expiry");
        var url = new Uri(logged.GetProperty("Images")[0].GetProperty("Url").GetString()!);
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        var expires = DateTimeOffset.ParseExact(query["X-Amz-Date"]!, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal).AddSeconds(int.Parse(query["X-Amz-Expires"]!, System.Globalization.CultureInfo.InvariantCulture));
        var wait = expires + TimeSpan.FromSeconds(2) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        using var viaLink = await web.S3.Http.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, viaLink.StatusCode); // s3rver: "Request has expired"

        var page = await web.NewPageAsync();
        await page.GotoAsync("/alerts/" + WebFixture.ArchiveFingerprint);
        var chart = page.Locator("img.chart").First;
        await chart.ScrollIntoViewIfNeededAsync();
        await page.WaitForFunctionAsync("img => img.complete", await chart.ElementHandleAsync());
        Assert.StartsWith("/ui/images/", await chart.GetAttributeAsync("src"), StringComparison.Ordinal);
        Assert.True(await chart.EvaluateAsync<int>("img => img.naturalWidth") > 0, "the chart served through Promoter did not load");
        Assert.Equal(0, await page.Locator(".expired").CountAsync());
    }

    private async Task<JsonElement> WaitForLoggedAsync(string receiver, string alertName)
    {
        JsonElement? found = null;
        await web.Promoter.WaitUntilAsync(() =>
        {
            found = web.Promoter.LoggedNotifications.Select(l => JsonDocument.Parse(l).RootElement.Clone())
                .FirstOrDefault(e => e.GetProperty("Receiver").GetString() == receiver
                    && e.GetProperty("Alerts").EnumerateArray().Any(a => a.GetString() == alertName));
            return found is { ValueKind: JsonValueKind.Object };
        }, TimeSpan.FromSeconds(60), "the archive receiver's notification in the log channel");
        return found!.Value;
    }

    private static async Task<string> SentAsync(IPage page) => await page.Locator("#pg-sent").InnerTextAsync();

    [Fact]
    public async Task Report_AfterFlappingAlert_PageShowsFiringsAndFlaps()
    {
        // Fires, resolves after 5 minutes, fires again 2 minutes later: one flap within a 10m gap.
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        await web.PostAsync("team-b", web.Payload("ReportFlap", "rept000000000001", startsAt: start));
        await web.PostAsync("team-b", web.Payload("ReportFlap", "rept000000000001", status: "resolved", startsAt: start));
        await web.PostAsync("team-b", web.Payload("ReportFlap", "rept000000000001", startsAt: start.AddMinutes(7)));

        var page = await web.NewPageAsync();
        await page.GotoAsync("/report?since=1h&flap_gap=10m");
        var row = page.Locator("#report tbody tr", new() { HasText = "ReportFlap" });
        var cells = await row.Locator("td").AllInnerTextsAsync();
        Assert.Equal(["ReportFlap", "team-b", "2", "3"], cells.Take(4));
        Assert.Equal("1", cells[6]);
        await WebFixture.ScreenshotAsync(page, "web-report.png");
    }

    [Fact]
    public async Task AlertsList_PhoneWidth_NoHorizontalPageScroll()
    {
        await web.PostAsync("ops", web.Payload("PhoneWidth", "phon000000000001", description: "a long summary that should wrap on a phone screen without pushing the page wider than the screen"));
        var page = await web.NewPageAsync(390, 844);
        await page.GotoAsync("/");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the page is wider than a phone screen");
        Assert.True(await page.Locator("#alerts").IsVisibleAsync());
    }
}
