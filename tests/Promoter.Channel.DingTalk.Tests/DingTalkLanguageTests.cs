using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Channel.DingTalk;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.DingTalk.Tests;

/// <summary>The zh/en and digest templates on the real engine, mentions from the data, the rate limit the host digests by.</summary>
public sealed class DingTalkLanguageTests
{
    private const string Token = "robotAccessToken_lang01";

    private static readonly RealTemplateRenderer Engine = new([DingTalkPlugin.DefaultTemplates(), DingTalkPlugin.LanguageTemplates()]);

    private static ChannelTestContext Context() => new(new DingTalkPlugin(), templates: Engine);

    private static SettingsMapping Section(FakeDingTalkServer server, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("url", server.RobotUrl.ToString()), .. extra]);

    private static string Render(string definition, AlertGroup group, string lang, string zone = "Asia/Shanghai", Uri? publicUrl = null,
        NotificationDigest? digest = null) =>
        Engine.Compile("test", $"{{{{ template \"{definition}\" . }}}}").Render(new TemplateInput(group)
        {
            Images = [new NotificationImage { AlertIndex = 0, Title = "scrape chart", Url = new Uri("https://img.example.com/a.png"), IsUrlPublic = true }],
            Extras = ChatTemplateExtras.For(group, lang, zone, publicUrl, digest),
        });

    [Theory]
    [InlineData("zh", "[告警 1] HighScrapeDuration", "- **开始时间：** 2026-11-22 06:45:02 CST", "[静默](http://vm:19093/#/silences/new?filter=%7Balertname%3D%22HighScrapeDuration%22", "[告警页面](https://promoter.example.com/alerts/6b1410b0fcb84541)")]
    [InlineData("en", "[FIRING:1] HighScrapeDuration", "- **Started:** 2026-11-22 06:45:02 CST", "[Silence](http://vm:19093/#/silences/new?filter=%7Balertname%3D%22HighScrapeDuration%22", "[Alert page](https://promoter.example.com/alerts/6b1410b0fcb84541)")]
    public void LanguageContent_Firing_TitleTimeChartSilenceAndAlertPage(string lang, string title, string started, string silence, string page)
    {
        var text = Render($"dingtalk.default.{lang}.content", AlertGroupSamples.FiringSingle, lang, publicUrl: new Uri("https://promoter.example.com/"));

        Assert.Equal(title, Render($"dingtalk.default.{lang}.title", AlertGroupSamples.FiringSingle, lang));
        Assert.Contains(title, text, StringComparison.Ordinal);
        Assert.Contains(started, text, StringComparison.Ordinal);
        Assert.Contains("![scrape chart](https://img.example.com/a.png)", text, StringComparison.Ordinal);
        Assert.Contains(silence, text, StringComparison.Ordinal);
        Assert.Contains(page, text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh", "[已恢复] HighScrapeDuration", "另有 4 条告警因 Alertmanager 的 max_alerts 未发送")]
    [InlineData("en", "[RESOLVED] HighScrapeDuration", "4 more alerts were left out by Alertmanager's max_alerts")]
    public void LanguageContent_ResolvedAndTruncated(string lang, string title, string truncated)
    {
        var text = Render($"dingtalk.default.{lang}.content", AlertGroupSamples.Resolved with { TruncatedAlerts = 4 }, lang, "UTC");

        Assert.Contains(title, text, StringComparison.Ordinal);
        Assert.Contains("2026-11-21 22:45:20 UTC", text, StringComparison.Ordinal);
        Assert.Contains(truncated, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh", "[告警风暴汇总] 3 组通知，5 条告警", "其余告警")]
    [InlineData("en", "[Alert storm digest] 3 notifications, 5 alerts", "Other alerts")]
    public async Task Send_Digest_DigestTemplatesRenderedWithCountsAndOthers(string lang, string title, string others)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token);
        using var context = Context();
        var channel = context.Create("dingtalk", Section(server, ("lang", lang)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle) with { Digest = SampleDigest() }, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal(title, message.Title);
        Assert.Contains(others, message.Text, StringComparison.Ordinal);
        Assert.Contains("**DiskFull**", message.Text, StringComparison.Ordinal);
        Assert.Contains("[DiskFull](https://promoter.example.com/alerts/00000000000000a1)", message.Text, StringComparison.Ordinal);
        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RateLimit_FromMessagesPerMinute()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token);
        using var context = Context();

        Assert.Equal(new ChannelRateLimit(20, TimeSpan.FromMinutes(1)), context.Create("dingtalk", Section(server)).RateLimit);
        Assert.Equal(new ChannelRateLimit(12, TimeSpan.FromMinutes(1)), context.Create("dingtalk", Section(server, ("messages_per_minute", 12)), "b").RateLimit);
    }

    [Fact]
    public async Task Send_MentionLabel_MobilesAndUserIdsFromTheAlertPinged()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token);
        using var context = Context();
        var channel = context.Create("dingtalk", Section(server, ("mention_label", "owner"), ("at_mobiles", new[] { "13800000000" })));
        var group = AlertGroupSamples.FiringSingle with
        {
            Alerts = AlertGroupSamples.FiringSingle.Alerts.Select(a => a with { Annotations = new Dictionary<string, string>(a.Annotations) { ["owner"] = "13900000001;zhangsan" } }).ToList(),
        };

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal(["13800000000", "13900000001"], message.AtMobiles);
        Assert.Equal(["zhangsan"], message.AtUserIds);
        Assert.Contains("@13900000001", message.Text, StringComparison.Ordinal);
        Assert.Contains("@zhangsan", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_MentionTemplate_RenderedPeoplePinged()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token);
        using var context = Context();
        var channel = context.Create("dingtalk", Section(server, ("mention_template", "{{ if eq .CommonLabels.team \"运维\" }}13700000007{{ end }}")));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["13700000007"], Assert.Single(server.Messages).AtMobiles);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task Send_Resolved_MentionsOnlyWithMentionOnResolved(bool? onResolved, bool mentioned)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token);
        using var context = Context();
        var channel = context.Create("dingtalk", Section(server, [("at_mobiles", new[] { "13800000000" }), ("at_all", true), .. onResolved is null ? [] : new (string, object?)[] { ("mention_on_resolved", onResolved) }]));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal(mentioned, message.IsAtAll);
        Assert.Equal(mentioned, message.AtMobiles.Count == 1);
        Assert.Equal(mentioned, message.Text.Contains("@13800000000", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_UnknownTimeZoneAndBadMentionLabel_ErrorsNamingTheFix()
    {
        using var context = Context();
        var (_, errors) = context.TryCreate("dingtalk", SettingsBuilder.FromPairs(
            ("url", "https://oapi.dingtalk.com/robot/send?access_token=x"), ("timezone", "Mars/Olympus"), ("mention_label", "owner mobile"), ("lang", "fr")));

        Assert.Contains(errors, e => e.Path.EndsWith("timezone", StringComparison.Ordinal) && e.Fix.Contains("Asia/Shanghai", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path.EndsWith("mention_label", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path.EndsWith("lang", StringComparison.Ordinal) && e.Fix.Contains("zh", StringComparison.Ordinal));
    }

    private static NotificationDigest SampleDigest() => new()
    {
        Notifications = 3,
        Alerts = 5,
        Firing = 4,
        Resolved = 1,
        Counts = [new DigestCount("DiskFull", "critical", 3, 1), new DigestCount("HighScrapeDuration", "warning", 1, 0)],
        Others = [new DigestEntry("DiskFull", "critical", "firing", "disk 1 almost full", "00000000000000a1", "https://promoter.example.com/alerts/00000000000000a1")],
        ChartsOmitted = 2,
    };
}
