using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Teams.Tests;

/// <summary>The en/zh templates rendered by the real engine and posted to the fake workflow: times, links, truncation.</summary>
public sealed class TeamsLanguageTests
{
    private static readonly RealTemplateRenderer Engine = new([TeamsPlugin.DefaultTemplates(), TeamsPlugin.LanguageTemplates()]);

    private static readonly Uri PublicUrl = new("https://promoter.example.com/");

    /// <summary>The captured alert plus a label whose value needs quoting and %20 in the silence filter.</summary>
    internal static AlertGroup Sample(AlertGroup source, int truncated = 0) => source with
    {
        Alerts = source.Alerts.Select(a => a with { Labels = new Dictionary<string, string>(a.Labels) { ["note"] = "a b \"c\"" } }).ToList(),
        TruncatedAlerts = truncated,
    };

    /// <summary>The new-silence link Alertmanager's UI expects for an alert, computed independently of the template.</summary>
    internal static string SilenceLink(AlertGroup group, Alert alert)
    {
        var matchers = string.Join(",", alert.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}=\"{kv.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""));
        return $"{group.ExternalUrl}/#/silences/new?filter={Uri.EscapeDataString("{" + matchers + "}")}";
    }

    private static IChannel Create(ChannelTestContext context, FakeTeamsWorkflowServer server, Uri? publicUrl, params (string, object?)[] extra)
    {
        var settings = SettingsBuilder.Settings(SettingsBuilder.FromPairs([("webhook_url", server.WebhookUrl.ToString()), .. extra]));
        var factory = context.Services.GetServices<IChannelFactory>().Single(f => f.Type == "teams");
        var channel = factory.Create(new ChannelSetup { Name = "test", Settings = settings, Templates = context.Templates, Services = context.Services, PublicUrl = publicUrl });
        settings.ReportUnknownKeys();
        Assert.Empty(settings.Diagnostics.Errors);
        return channel;
    }

    private static List<JsonObject> Elements(JsonObject card) =>
        card["body"]!.AsArray().Select(e => e!.AsObject())
            .SelectMany(e => e["items"] is JsonArray items ? items.Select(i => i!.AsObject()).Prepend(e) : [e]).ToList();

    [Theory]
    [InlineData(null, null, "[FIRING:1] HighScrapeDuration", "🔥 **1 firing**", "- Started 2026-11-21 22:45:02 UTC", "Silence", "Alert page",
        "3 more alerts were left out by Alertmanager's max_alerts", "Status")]
    [InlineData("en", "Asia/Shanghai", "[FIRING:1] HighScrapeDuration", "🔥 **1 firing**", "- Started 2026-11-22 06:45:02 CST", "Silence", "Alert page",
        "3 more alerts were left out by Alertmanager's max_alerts", "Status")]
    [InlineData("zh", null, "[告警 1] HighScrapeDuration", "🔥 **1 条告警触发中**", "- 开始时间 2026-11-22 06:45:02 CST", "静默", "告警页面",
        "另有 3 条告警因 Alertmanager 的 max_alerts 未发送", "状态")]
    [InlineData("zh", "UTC", "[告警 1] HighScrapeDuration", "🔥 **1 条告警触发中**", "- 开始时间 2026-11-21 22:45:02 UTC", "静默", "告警页面",
        "另有 3 条告警因 Alertmanager 的 max_alerts 未发送", "状态")]
    public async Task Send_Language_TitleTimeLinksAndTruncatedInTheCard(string? lang, string? zone, string title, string heading, string started,
        string silence, string page, string truncated, string firstFact)
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin(), templates: Engine);
        var channel = Create(context, server, PublicUrl, [.. lang is null ? [] : new (string, object?)[] { ("lang", lang) }, .. zone is null ? [] : new (string, object?)[] { ("timezone", zone) }]);
        var group = Sample(AlertGroupSamples.FiringSingle, truncated: 3);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var elements = Elements(Assert.Single(server.Cards).Card);
        Assert.Equal(title, elements[1]["text"]!.GetValue<string>());
        var text = elements.First(e => e["type"]!.GetValue<string>() == "TextBlock" && e["text"]!.GetValue<string>().Contains(heading, StringComparison.Ordinal))["text"]!.GetValue<string>();
        Assert.Contains(started, text, StringComparison.Ordinal);
        Assert.Contains("scrape took 0.005555609s (threshold 1µs)", text, StringComparison.Ordinal);
        Assert.Contains($"[{silence}]({SilenceLink(group, group.Alerts[0])})", text, StringComparison.Ordinal);
        Assert.Contains("%20b%20%5C%22c%5C%22%22", text, StringComparison.Ordinal);
        Assert.Contains($"[{page}](https://promoter.example.com/alerts/6b1410b0fcb84541)", text, StringComparison.Ordinal);
        Assert.Contains(truncated, text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
        var facts = Assert.Single(elements, e => e["type"]!.GetValue<string>() == "FactSet")["facts"]!.AsArray();
        Assert.Equal(firstFact, facts[0]!["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("en", "- Started 2026-11-21 22:45:02 UTC, resolved 2026-11-21 22:45:20 UTC", "✅ **1 resolved**")]
    [InlineData("zh", "- 开始时间 2026-11-22 06:45:02 CST，恢复时间 2026-11-22 06:45:20 CST", "✅ **1 条告警已恢复**")]
    public async Task Send_ResolvedWithoutPublicUrl_ResolveTimeAndNoAlertPageLink(string lang, string times, string heading)
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin(), templates: Engine);
        var channel = Create(context, server, null, ("lang", lang));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        // The card's texts as Teams shows them (the JSON escapes non-ASCII characters).
        var card = string.Join("\n", Elements(Assert.Single(server.Cards).Card).Select(e => e["text"]?.GetValue<string>()));
        Assert.Contains(heading, card, StringComparison.Ordinal);
        Assert.Contains(times, card, StringComparison.Ordinal);
        Assert.DoesNotContain("/alerts/", card, StringComparison.Ordinal);
        Assert.DoesNotContain("max_alerts", card, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ManyAlertsInChinese_CardUnderTheLimitCutAtALineEnd()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin(), templates: Engine);
        var channel = Create(context, server, PublicUrl, ("lang", "zh"));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Many(300)), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var posted = Assert.Single(server.Cards);
        Assert.True(posted.RequestBytes <= FakeTeamsWorkflowServer.MessageLimit, $"{posted.RequestBytes} bytes");
        var text = Elements(posted.Card).Select(e => e["text"]?.GetValue<string>() ?? "").Single(t => t.StartsWith("🔥", StringComparison.Ordinal));
        Assert.EndsWith("\n…", text, StringComparison.Ordinal);
        Assert.Contains("[静默](http://alertmanager:9093/#/silences/new?filter=", text, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(text) > 20 * 1024, "the text should fill most of the card");
    }

    [Theory]
    [InlineData("lang", "fr", "channels.test.lang")]
    [InlineData("timezone", "Mars/Olympus", "channels.test.timezone")]
    public async Task Create_BadLanguageOrZone_ErrorNamesTheKey(string key, string value, string path)
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin(), templates: Engine);

        var (_, errors) = context.TryCreate("teams", SettingsBuilder.FromPairs([("webhook_url", server.WebhookUrl.ToString()), (key, value)]));

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(value, StringComparison.Ordinal));
    }
}
