using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Telegram.Tests;

/// <summary>The en/zh templates rendered by the real engine and sent to the fake Bot API, which parses HTML and MarkdownV2 as Telegram does.</summary>
public sealed class TelegramLanguageTests
{
    private const string Token = "123456789:AAfakeTelegramBotTokenForTests_0123456";
    private const string Chat = "-1001234567890";

    private static readonly RealTemplateRenderer Engine = new([TelegramPlugin.DefaultTemplates(), TelegramPlugin.LanguageTemplates()]);

    private static readonly Uri PublicUrl = new("https://promoter.example.com/");

    /// <summary>The captured alert plus a label whose value needs quoting and %20 in the silence filter.</summary>
    private static AlertGroup Sample(AlertGroup source, int truncated = 0) => source with
    {
        Alerts = source.Alerts.Select(a => a with { Labels = new Dictionary<string, string>(a.Labels) { ["note"] = "a b \"c\"" } }).ToList(),
        TruncatedAlerts = truncated,
    };

    /// <summary>The new-silence link Alertmanager's UI expects for an alert, computed independently of the template.</summary>
    private static string SilenceLink(AlertGroup group, Alert alert)
    {
        var matchers = string.Join(",", alert.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}=\"{kv.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""));
        return $"{group.ExternalUrl}/#/silences/new?filter={Uri.EscapeDataString("{" + matchers + "}")}";
    }

    private static IChannel Create(ChannelTestContext context, FakeTelegramServer server, Uri? publicUrl, params (string, object?)[] extra)
    {
        var settings = SettingsBuilder.Settings(SettingsBuilder.FromPairs([("bot_token", Token), ("chat_id", Chat), ("api_url", server.ApiUrl.ToString()), .. extra]));
        var factory = context.Services.GetServices<IChannelFactory>().Single(f => f.Type == "telegram");
        var channel = factory.Create(new ChannelSetup { Name = "test", Settings = settings, Templates = context.Templates, Services = context.Services, PublicUrl = publicUrl });
        settings.ReportUnknownKeys();
        Assert.Empty(settings.Diagnostics.Errors);
        return channel;
    }

    [Theory]
    [InlineData("en", null, "HTML", "🔥 [FIRING:1] HighScrapeDuration", "Started 2026-11-21 22:45:02 UTC", "Silence", "Alert page", "3 more alerts were left out by Alertmanager's max_alerts")]
    [InlineData("en", "Asia/Shanghai", "MarkdownV2", "🔥 [FIRING:1] HighScrapeDuration", "Started 2026-11-22 06:45:02 CST", "Silence", "Alert page", "3 more alerts were left out by Alertmanager's max_alerts")]
    [InlineData("zh", null, "HTML", "🔥 [告警 1] HighScrapeDuration", "开始时间 2026-11-22 06:45:02 CST", "静默", "告警页面", "另有 3 条告警因 Alertmanager 的 max_alerts 未发送")]
    [InlineData("zh", "UTC", "MarkdownV2", "🔥 [告警 1] HighScrapeDuration", "开始时间 2026-11-21 22:45:02 UTC", "静默", "告警页面", "另有 3 条告警因 Alertmanager 的 max_alerts 未发送")]
    public async Task Send_LanguageWithChart_CaptionWithTimeLinksAndTruncated(string lang, string? zone, string parseMode, string title, string started,
        string silence, string page, string truncated)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: Engine);
        var channel = Create(context, server, PublicUrl, [("lang", lang), ("parse_mode", parseMode), .. zone is null ? [] : new (string, object?)[] { ("timezone", zone) }]);
        var group = Sample(AlertGroupSamples.FiringSingle, truncated: 3);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var photo = Assert.Single(server.Messages);
        Assert.Equal("sendPhoto", photo.Method);
        Assert.True(photo.VisibleText.Length <= FakeTelegramServer.CaptionLimit, $"{photo.VisibleText.Length} visible characters");
        Assert.StartsWith(title, photo.VisibleText, StringComparison.Ordinal);
        Assert.Contains(started, photo.VisibleText, StringComparison.Ordinal);
        Assert.Contains("scrape took 0.005555609s (threshold 1µs)", photo.VisibleText, StringComparison.Ordinal);
        Assert.Contains(truncated, photo.VisibleText, StringComparison.Ordinal);

        // The links show only their labels; their targets are entities in the parse mode's syntax.
        Assert.Contains($"{page} · {silence}", photo.VisibleText, StringComparison.Ordinal);
        Assert.DoesNotContain("silences/new", photo.VisibleText, StringComparison.Ordinal);
        var silenceUrl = SilenceLink(group, group.Alerts[0]);
        Assert.Contains("%20b%20%5C%22c%5C%22%22", silenceUrl, StringComparison.Ordinal);
        Assert.Contains(parseMode == "HTML"
            ? $"<a href=\"{silenceUrl}\">{silence}</a>"
            : $"[{silence}]({silenceUrl})", photo.RawText, StringComparison.Ordinal);
        Assert.Contains(parseMode == "HTML"
            ? $"<a href=\"https://promoter.example.com/alerts/6b1410b0fcb84541\">{page}</a>"
            : $"[{page}](https://promoter.example.com/alerts/6b1410b0fcb84541)", photo.RawText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en", "Started 2026-11-21 22:45:02 UTC, resolved 2026-11-21 22:45:20 UTC", "✅ [RESOLVED]")]
    [InlineData("zh", "开始时间 2026-11-22 06:45:02 CST，恢复时间 2026-11-22 06:45:20 CST", "✅ [已恢复]")]
    public async Task Send_ResolvedWithoutPublicUrl_ResolveTimeAndNoAlertPageLink(string lang, string times, string title)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: Engine);
        var channel = Create(context, server, null, ("lang", lang));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.StartsWith(title, message.VisibleText, StringComparison.Ordinal);
        Assert.Contains(times, message.VisibleText, StringComparison.Ordinal);
        Assert.DoesNotContain("/alerts/", message.RawText, StringComparison.Ordinal);
        Assert.DoesNotContain("max_alerts", message.VisibleText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTML")]
    [InlineData("MarkdownV2")]
    public async Task Send_ManyAlertsInChinese_TextCutWithinTheLimitAndLinksWhole(string parseMode)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: Engine);
        var channel = Create(context, server, PublicUrl, ("lang", "zh"), ("parse_mode", parseMode));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Many(60)), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal("sendMessage", message.Method);
        Assert.InRange(message.VisibleText.Length, 3500, FakeTelegramServer.MessageLimit);
        Assert.Contains("…", message.VisibleText, StringComparison.Ordinal);
        Assert.DoesNotContain("http", message.VisibleText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("see [the runbook](https://wiki.example.com/run) now", 100, "see the runbook now", 1)]
    [InlineData("see [the runbook](https://wiki.example.com/run) now", 10, "see …", 0)]
    [InlineData("see [the runbook](https://wiki.example.com/run) now", 16, "see the runbook…", 1)]
    [InlineData("[not a link](ftp://x.example.com) and [x](no-scheme)", 100, "[not a link](ftp://x.example.com) and [x](no-scheme)", 0)]
    public void PlainTextWithLinks_Cases_LinksWholeAndCutWithinMax(string text, int max, string visible, int links)
    {
        var runs = TelegramMarkup.PlainTextWithLinks(text, max);

        Assert.Equal(visible, string.Concat(runs.Select(r => r.Text)));
        Assert.True(TelegramMarkup.VisibleLength(runs) <= max);
        Assert.Equal(links, runs.Count(r => r.Style == TextStyle.Link));
    }
}
