using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Discord.Tests;

/// <summary>The en/zh templates rendered by the real engine and posted to the fake webhook, which checks Discord's embed limits.</summary>
public sealed class DiscordLanguageTests
{
    private static readonly RealTemplateRenderer Engine = new([DiscordPlugin.DefaultTemplates(), DiscordPlugin.LanguageTemplates()]);

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

    private static IChannel Create(ChannelTestContext context, FakeDiscordServer server, Uri? publicUrl, params (string, object?)[] extra)
    {
        var settings = SettingsBuilder.Settings(SettingsBuilder.FromPairs([("webhook_url", server.WebhookUrl.ToString()), .. extra]));
        var factory = context.Services.GetServices<IChannelFactory>().Single(f => f.Type == "discord");
        var channel = factory.Create(new ChannelSetup { Name = "test", Settings = settings, Templates = context.Templates, Services = context.Services, PublicUrl = publicUrl });
        settings.ReportUnknownKeys();
        Assert.Empty(settings.Diagnostics.Errors);
        return channel;
    }

    private static JsonObject MainEmbed(FakeDiscordServer server) => Assert.Single(server.Messages).Payload["embeds"]![0]!.AsObject();

    [Theory]
    [InlineData(null, null, "[FIRING:1] HighScrapeDuration", "Started 2026-11-21 22:45:02 UTC (<t:1795301102:R>)", "Silence", "Alert page",
        "3 more alerts were left out by Alertmanager's max_alerts", "Status", "firing")]
    [InlineData("en", "Asia/Shanghai", "[FIRING:1] HighScrapeDuration", "Started 2026-11-22 06:45:02 CST (<t:1795301102:R>)", "Silence", "Alert page",
        "3 more alerts were left out by Alertmanager's max_alerts", "Status", "firing")]
    [InlineData("zh", null, "[告警 1] HighScrapeDuration", "开始时间 2026-11-22 06:45:02 CST (<t:1795301102:R>)", "静默", "告警页面",
        "另有 3 条告警因 Alertmanager 的 max_alerts 未发送", "状态", "告警中")]
    [InlineData("zh", "UTC", "[告警 1] HighScrapeDuration", "开始时间 2026-11-21 22:45:02 UTC (<t:1795301102:R>)", "静默", "告警页面",
        "另有 3 条告警因 Alertmanager 的 max_alerts 未发送", "状态", "告警中")]
    public async Task Send_Language_EmbedWithTimeLinksAndTruncated(string? lang, string? zone, string title, string started, string silence, string page,
        string truncated, string statusField, string statusValue)
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin(), templates: Engine);
        var channel = Create(context, server, PublicUrl, [.. lang is null ? [] : new (string, object?)[] { ("lang", lang) }, .. zone is null ? [] : new (string, object?)[] { ("timezone", zone) }]);
        var group = Sample(AlertGroupSamples.FiringSingle, truncated: 3);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var embed = MainEmbed(server);
        Assert.Equal(title, embed["title"]!.GetValue<string>());
        var description = embed["description"]!.GetValue<string>();
        Assert.Contains(started, description, StringComparison.Ordinal);
        Assert.Contains("scrape took 0.005555609s (threshold 1µs)", description, StringComparison.Ordinal);
        var silenceUrl = SilenceLink(group, group.Alerts[0]);
        Assert.Contains("%20b%20%5C%22c%5C%22%22", silenceUrl, StringComparison.Ordinal);
        Assert.Contains($"[{page}](https://promoter.example.com/alerts/6b1410b0fcb84541) · [{silence}]({silenceUrl})", description, StringComparison.Ordinal);
        Assert.Contains(truncated, description, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", description, StringComparison.Ordinal);
        var status = embed["fields"]![0]!;
        Assert.Equal(statusField, status["name"]!.GetValue<string>());
        Assert.Equal(statusValue, status["value"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("en", "Started 2026-11-21 22:45:02 UTC (<t:1795301102:R>), resolved 2026-11-21 22:45:20 UTC (<t:1795301120:R>)", "✅ **1 resolved**")]
    [InlineData("zh", "开始时间 2026-11-22 06:45:02 CST (<t:1795301102:R>)，恢复时间 2026-11-22 06:45:20 CST (<t:1795301120:R>)", "✅ **1 条告警已恢复**")]
    public async Task Send_ResolvedWithoutPublicUrl_ResolveTimeAndNoAlertPageLink(string lang, string times, string heading)
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin(), templates: Engine);
        var channel = Create(context, server, null, ("lang", lang));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var description = MainEmbed(server)["description"]!.GetValue<string>();
        Assert.StartsWith(heading, description, StringComparison.Ordinal);
        Assert.Contains(times, description, StringComparison.Ordinal);
        Assert.DoesNotContain("/alerts/6b", description, StringComparison.Ordinal);
        Assert.DoesNotContain("max_alerts", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ManyAlertsInChinese_DescriptionWithinLimitsCutAtALineEnd()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin(), templates: Engine);
        var channel = Create(context, server, PublicUrl, ("lang", "zh"));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Many(60)), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var description = MainEmbed(server)["description"]!.GetValue<string>();
        Assert.InRange(description.Length, 3000, 4096);
        Assert.Contains("\n…\n\n", description, StringComparison.Ordinal);
        Assert.Contains("[静默](http://alertmanager:9093/#/silences/new?filter=", description, StringComparison.Ordinal);
    }
}
