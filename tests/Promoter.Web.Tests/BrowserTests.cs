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
        await WebFixture.ScreenshotAsync(page, "web-playground.png");

        await page.Locator("#pg-template").FillAsync("first line\n  {{ .Status | nosuchfunction }}");
        await page.Locator("#pg-where").Filter(new() { HasTextString = "line 2" }).WaitForAsync();
        Assert.Contains("nosuchfunction", await page.Locator("#pg-error").InnerTextAsync(), StringComparison.Ordinal);
    }

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
