using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Channel.Slack;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Slack.Tests;

/// <summary>The en/zh templates on the real engine and mentions from the data.</summary>
public sealed class SlackLanguageTests
{
    private static readonly RealTemplateRenderer Engine = new([SlackPlugin.DefaultTemplates(), SlackPlugin.LanguageTemplates()]);

    private static string Render(string definition, AlertGroup group, string lang, string zone, Uri? publicUrl = null) =>
        Engine.Compile("test", $"{{{{ template \"{definition}\" . }}}}").Render(new TemplateInput(group)
        {
            Extras = ChatTemplateExtras.For(group, lang, zone, publicUrl, null),
        });

    [Theory]
    [InlineData("en", "UTC", "[FIRING:1] HighScrapeDuration", "Started 2026-11-21 22:45:02 UTC", "|Silence>", "|Alert page>")]
    [InlineData("zh", "Asia/Shanghai", "[告警 1] HighScrapeDuration", "开始时间 2026-11-22 06:45:02 CST", "|静默>", "|告警页面>")]
    public void LanguageTemplates_Firing_TitleTimeAndLinks(string lang, string zone, string title, string started, string silence, string page)
    {
        var text = Render($"slack.promoter.{lang}.text", AlertGroupSamples.FiringSingle with { TruncatedAlerts = 2 }, lang, zone, new Uri("https://promoter.example.com"));

        Assert.Equal(title, Render($"slack.promoter.{lang}.title", AlertGroupSamples.FiringSingle, lang, zone));
        Assert.Contains(started, text, StringComparison.Ordinal);
        Assert.Contains("<http://vm:19093/#/silences/new?filter=%7Balertname%3D%22HighScrapeDuration%22", text, StringComparison.Ordinal);
        Assert.Contains(silence, text, StringComparison.Ordinal);
        Assert.Contains("<https://promoter.example.com/alerts/6b1410b0fcb84541" + page, text, StringComparison.Ordinal);
        Assert.Contains("2", text, StringComparison.Ordinal);
        Assert.Contains("max_alerts", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en", "resolved 2026-11-21 22:45:20 UTC")]
    [InlineData("zh", "恢复时间 2026-11-21 22:45:20 UTC")]
    public void LanguageTemplates_Resolved_ResolveTime(string lang, string resolved) =>
        Assert.Contains(resolved, Render($"slack.promoter.{lang}.text", AlertGroupSamples.Resolved, lang, "UTC"), StringComparison.Ordinal);

    [Theory]
    [InlineData("firing-single.json", null, "<@U0CONFIG> <@U0OWNER> <!here>")]
    [InlineData("resolved.json", null, null)]
    [InlineData("resolved.json", true, "<@U0CONFIG> <@U0OWNER> <!here>")]
    public async Task Send_MentionsFromConfigAndLabel_InTheText(string fixture, bool? onResolved, string? expected)
    {
        await using var server = await FakeSlackServer.StartAsync();
        using var context = new ChannelTestContext(new SlackPlugin(), templates: Engine);
        var channel = context.Create("slack", SettingsBuilder.FromPairs([("webhook_url", server.IncomingWebhookUrl.ToString()), ("mention_users", new[] { "U0CONFIG" }),
            ("mention_label", "owner"), .. onResolved is null ? [] : new (string, object?)[] { ("mention_on_resolved", onResolved) }]));
        var source = Promoter.Testing.Infrastructure.RepoAlertGroups.Load("alertmanager-0.25", fixture);
        var group = source with
        {
            Alerts = source.Alerts.Select(a => a with { Labels = new Dictionary<string, string>(a.Labels) { ["owner"] = "U0OWNER here" } }).ToList(),
        };

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        if (expected is null)
        {
            Assert.DoesNotContain("<@U0", message.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(expected, message.Text, StringComparison.Ordinal);
        }
    }
}
