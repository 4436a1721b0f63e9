using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;
using Promoter.Host.Cli;
using Promoter.Host.Pipeline;
using Promoter.Host.Web;
using Promoter.Host.Plugins;
using Promoter.Host.Templates;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Templates;

/// <summary>
/// The default templates the channel plugins ship, rendered by the real Go template engine with the real
/// plugin builds' template sources and the captured Alertmanager payloads.
/// </summary>
public sealed class ShippedTemplatesTests
{
    private static readonly Lazy<GoTemplateRenderer> Renderer = new(() =>
    {
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        var catalog = services.GetRequiredService<PluginLoader>().Load(Path.Combine(TestPaths.HostBinDirectory, "plugins"));
        var diagnostics = new ConfigDiagnostics();
        var renderer = GoTemplateRenderer.Create(catalog.TemplateSources, [], diagnostics, new SourceLocation("test", 0, 0));
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Errors));
        return renderer;
    });

    private static string Render(string template, string fixture, bool withImage = true)
    {
        var group = AlertmanagerPayload.Parse(File.ReadAllBytes(TestPaths.TestData("alertmanager-0.25", fixture)));
        var images = withImage
            ? new[] { new NotificationImage { AlertIndex = 0, Title = "scrape_duration_seconds > 1e-06", Url = new Uri("https://img.example.com/a.png"), IsUrlPublic = true } }
            : [];
        return Renderer.Value.Compile("test", $"{{{{ template \"{template}\" . }}}}").Render(new TemplateInput(group) { Images = images });
    }

    [Theory]
    [InlineData("dingtalk.default.title", "firing-single.json", "[FIRING:1] HighScrapeDuration")]
    [InlineData("dingtalk.default.title", "resolved.json", "[RESOLVED] HighScrapeDuration")]
    [InlineData("slack.promoter.title", "firing-single.json", "HighScrapeDuration")]
    [InlineData("promoter.log.title", "firing-single.json", "[FIRING:1] HighScrapeDuration (127.0.0.1:19090 prometheus warning 运维)")]
    public void Title_CapturedPayload_AsExpected(string template, string fixture, string expected) =>
        Assert.Contains(expected, Render(template, fixture), StringComparison.Ordinal);

    // Slack's text carries no image URL: the channel adds the charts as image blocks (or uploads them).
    [Theory]
    [InlineData("dingtalk.default.content", true)]
    [InlineData("slack.promoter.text", false)]
    [InlineData("promoter.log.text", true)]
    public void Content_FiringWithChart_ShowsSummaryAndImageWhereTheTextCarriesIt(string template, bool textCarriesImage)
    {
        var text = Render(template, "firing-single.json");

        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", text, StringComparison.Ordinal);
        Assert.Equal(textCarriesImage, text.Contains("https://img.example.com/a.png", StringComparison.Ordinal));
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    // The extras every chat channel passes (ChatTemplateExtras in the plugins): written out here, as a template sees them.
    private static string RenderLanguage(string template, string fixture, string lang, string zone, string promoterUrl, int truncated)
    {
        var group = AlertmanagerPayload.Parse(File.ReadAllBytes(TestPaths.TestData("alertmanager-0.25", fixture))) with { TruncatedAlerts = truncated };
        var extras = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Lang"] = lang, ["Timezone"] = zone, ["PromoterURL"] = promoterUrl, ["TruncatedAlerts"] = truncated,
        };
        return Renderer.Value.Compile("test", $"{{{{ template \"{template}\" . }}}}").Render(new TemplateInput(group) { Extras = extras });
    }

    // Teams, Telegram and Discord's language templates from the built plugins, as the host loads them. The silence
    // filter is the alert's labels, sorted, as PromQL-quoted matchers, URL-encoded (Go's QueryEscape, + as %20).
    [Theory]
    [InlineData("teams", "en", "UTC", "[FIRING:1] HighScrapeDuration", "Started 2026-11-21 22:45:02 UTC", "[Silence](", "[Alert page](https://promoter.example.com/alerts/6b1410b0fcb84541)", "2 more alerts were left out")]
    [InlineData("teams", "zh", "Asia/Shanghai", "[告警 1] HighScrapeDuration", "开始时间 2026-11-22 06:45:02 CST", "[静默](", "[告警页面](https://promoter.example.com/alerts/6b1410b0fcb84541)", "另有 2 条告警")]
    [InlineData("telegram", "en", "Europe/Berlin", "🔥 [FIRING:1] HighScrapeDuration", "Started 2026-11-21 23:45:02", "[Silence](", "[Alert page](https://promoter.example.com/alerts/6b1410b0fcb84541)", "2 more alerts were left out")]
    [InlineData("telegram", "zh", "Asia/Shanghai", "🔥 [告警 1] HighScrapeDuration", "开始时间 2026-11-22 06:45:02 CST", "[静默](", "[告警页面](https://promoter.example.com/alerts/6b1410b0fcb84541)", "另有 2 条告警")]
    [InlineData("discord", "en", "UTC", "[FIRING:1] HighScrapeDuration", "Started 2026-11-21 22:45:02 UTC (<t:1795301102:R>)", "[Silence](", "[Alert page](https://promoter.example.com/alerts/6b1410b0fcb84541)", "2 more alerts were left out")]
    [InlineData("discord", "zh", "Asia/Shanghai", "[告警 1] HighScrapeDuration", "开始时间 2026-11-22 06:45:02 CST (<t:1795301102:R>)", "[静默](", "[告警页面](https://promoter.example.com/alerts/6b1410b0fcb84541)", "另有 2 条告警")]
    public void LanguageTemplates_Firing_TitleTimeSilenceFilterPageAndTruncated(string channel, string lang, string zone, string title, string started,
        string silence, string page, string truncated)
    {
        const string Filter = "http://vm:19093/#/silences/new?filter=%7Balertname%3D%22HighScrapeDuration%22%2Cinstance%3D%22127.0.0.1%3A19090%22%2Cjob%3D%22prometheus%22%2Cseverity%3D%22warning%22%2Cteam%3D%22%E8%BF%90%E7%BB%B4%22%7D)";
        var text = RenderLanguage($"{channel}.promoter.{lang}.text", "firing-single.json", lang, zone, "https://promoter.example.com", 2);

        Assert.Equal(title, RenderLanguage($"{channel}.promoter.{lang}.title", "firing-single.json", lang, zone, "", 0));
        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", text, StringComparison.Ordinal);
        Assert.Contains("scrape took 0.005555609s (threshold 1µs)", text, StringComparison.Ordinal);
        Assert.Contains(started, text, StringComparison.Ordinal);
        Assert.Contains(silence + Filter, text, StringComparison.Ordinal);
        Assert.Contains(page, text, StringComparison.Ordinal);
        Assert.Contains(truncated, text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("teams")]
    [InlineData("telegram")]
    [InlineData("discord")]
    public void LanguageTemplates_ResolvedWithoutPublicUrl_ResolveTimeNoPageLinkNoTruncatedLine(string channel)
    {
        var en = RenderLanguage($"{channel}.promoter.en.text", "resolved.json", "en", "UTC", "", 0);
        var zh = RenderLanguage($"{channel}.promoter.zh.text", "resolved.json", "zh", "Asia/Shanghai", "", 0);

        Assert.Contains("resolved 2026-11-21 22:45:20 UTC", en, StringComparison.Ordinal);
        Assert.Contains("恢复时间 2026-11-22 06:45:20 CST", zh, StringComparison.Ordinal);
        Assert.All(new[] { en, zh }, t =>
        {
            Assert.DoesNotContain("/alerts/", t, StringComparison.Ordinal);
            Assert.DoesNotContain("max_alerts", t, StringComparison.Ordinal);
            Assert.DoesNotContain("firing", t, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void DingTalkContent_Firing_MarkdownWithLabelsTimesAndImage()
    {
        var text = Render("dingtalk.default.content", "firing-single.json");

        Assert.Contains("**🔥 1 firing**", text, StringComparison.Ordinal);
        Assert.Contains("- **Severity:** warning", text, StringComparison.Ordinal);
        Assert.Contains("- **Started:** 2026-11-21 22:45:02 UTC", text, StringComparison.Ordinal);
        Assert.Contains("`team=运维`", text, StringComparison.Ordinal);
        Assert.Contains("- **Description:** scrape took 0.005555609s (threshold 1µs)", text, StringComparison.Ordinal);
        Assert.Contains("![scrape_duration_seconds > 1e-06](https://img.example.com/a.png)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DingTalkContent_Resolved_ShowsResolveTimeAndNoFiringSection()
    {
        var text = Render("dingtalk.default.content", "resolved.json", withImage: false);

        Assert.Contains("**✅ 1 resolved**", text, StringComparison.Ordinal);
        Assert.Contains("- **Resolved:** 2026-11-21 22:45:20 UTC", text, StringComparison.Ordinal);
        Assert.DoesNotContain("firing**", text, StringComparison.Ordinal);
        Assert.DoesNotContain("![", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UnknownFunction_ParseErrorNamesTemplateAndPosition()
    {
        var e = Assert.Throws<TemplateException>(() => Renderer.Value.Compile("channels.x.template.text", "line1\n{{ nosuchfunc . }}"));

        Assert.Contains("channels.x.template.text:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"nosuchfunc\" not defined", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_DingTalkProfile_HasSprigButNotEnv()
    {
        var group = AlertmanagerPayload.Parse(File.ReadAllBytes(TestPaths.TestData("alertmanager-0.25", "firing-single.json")));

        var text = Renderer.Value.Compile("t", "{{ .CommonLabels.severity | upper }} {{ default \"x\" .CommonLabels.missing }}", TemplateProfiles.DingTalk)
            .Render(new TemplateInput(group));

        Assert.Equal("WARNING x", text);
        Assert.Throws<TemplateException>(() => Renderer.Value.Compile("t", "{{ env \"HOME\" }}", TemplateProfiles.DingTalk));
    }

    [Fact]
    public void ToData_RegexEscapesReceiverLikeAlertmanager() =>
        Assert.Equal(@"team\.a", GoTemplateRenderer.QuoteMeta("team.a"));
}
