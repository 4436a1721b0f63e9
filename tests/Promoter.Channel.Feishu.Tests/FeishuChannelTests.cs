using System.Text;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Feishu.Tests;

/// <summary>The Feishu channel, with its shipped templates on the real engine, against the fake Feishu (bot and app APIs).</summary>
public sealed class FeishuChannelTests
{
    private const string Token = "bot-token-7c1d";
    private const string Secret = "feishuSecret_5a9e3b";
    private const string AppSecret = "appSecret_2f8d41c0";

    private static SettingsMapping Section(FakeFeishuServer server, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("url", server.BotUrl.ToString()), ("secret", Secret), ("api_url", server.BaseUrl.ToString()), .. extra]);

    private static (string, object?)[] App => [("app_id", "cli_fakeapp"), ("app_secret", AppSecret)];

    private static Task<FakeFeishuServer> Start(TimeProvider? clock = null, TimeSpan? tokenLifetime = null) =>
        FakeFeishuServer.StartAsync(Token, Secret, "cli_fakeapp", AppSecret, tokenLifetime, clock);

    private static ChannelTestContext Context(TimeProvider? clock = null) =>
        new(new FeishuPlugin(), clock, new RealTemplateRenderer([FeishuPlugin.DefaultTemplates()]));

    [Fact]
    public async Task Send_SignedFiringGroup_CardWithHeaderColourFieldsTextAndButtons()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var card = Assert.Single(server.Messages);
        Assert.Equal("interactive", card.MsgType);
        Assert.Equal("[告警 1] HighScrapeDuration", card.Title);
        Assert.Equal("orange", card.Colour);
        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", card.Text, StringComparison.Ordinal);
        Assert.Contains("**级别**\nwarning", card.Text, StringComparison.Ordinal);
        Assert.Contains(card.Buttons, b => b.Text == "查看来源" && b.Url.StartsWith("http://vm:19090/graph", StringComparison.Ordinal));
        Assert.Contains(card.Buttons, b => b.Text == "静默" && b.Url.StartsWith("http://vm:19093/#/silences/new?filter=%7Balertname%3D%22HighScrapeDuration%22", StringComparison.Ordinal));
        Assert.False(channel.UploadsImages);
        Assert.All(server.Requests, r => Assert.NotNull(r.Header("Content-Length")));
    }

    [Theory]
    [InlineData("resolved.json", "green")]
    public async Task Send_Resolved_GreenHeader(string fixture, string colour)
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server, ("lang", "en")));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(Promoter.Testing.Infrastructure.RepoAlertGroups.Load("alertmanager-0.25", fixture)), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var card = Assert.Single(server.Messages);
        Assert.Equal(colour, card.Colour);
        Assert.StartsWith("[RESOLVED]", card.Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrongSecret_000", -1)]
    [InlineData(null, 0)]
    [InlineData(Secret, -61)]
    [InlineData(Secret, 61)]
    public async Task Send_BadSignatureOrOutsideTheHour_Auth19021(string? secret, int skewMinutes)
    {
        var serverClock = new ManualTimeProvider();
        var channelClock = new ManualTimeProvider(serverClock.GetUtcNow().AddMinutes(skewMinutes));
        await using var server = await Start(serverClock);
        using var context = Context(channelClock);
        var section = secret is null
            ? SettingsBuilder.FromPairs(("url", server.BotUrl.ToString()))
            : Section(server, ("secret", secret));
        if (secret is not null)
        {
            // Section adds the right secret first; replace it.
            section = SettingsBuilder.FromPairs(("url", server.BotUrl.ToString()), ("secret", secret));
        }

        var channel = context.Create("feishu", section);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.Equal(19021, Assert.Single(server.Answers));
        Assert.Contains("secret", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, context.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, result.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-59)]
    [InlineData(59)]
    public async Task Send_ClockWithinTheHour_Accepted(int skewMinutes)
    {
        var serverClock = new ManualTimeProvider();
        await using var server = await Start(serverClock);
        using var context = Context(new ManualTimeProvider(serverClock.GetUtcNow().AddMinutes(skewMinutes)));
        var channel = context.Create("feishu", Section(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
    }

    [Fact]
    public async Task Send_WithAppCredentials_UploadsChartAndPlacesItByImageKey()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server, App));
        Assert.True(channel.UploadsImages);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var card = Assert.Single(server.Messages);
        var key = Assert.Single(card.ImageKeys);
        Assert.Equal(AlertGroupSamples.TinyPng.ToArray(), server.Image(key));
        Assert.DoesNotContain("charts/0.png", card.Json, StringComparison.Ordinal);
        Assert.DoesNotContain(AppSecret, context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TokenCachedUntilExpiry_ThenRenewed()
    {
        var clock = new ManualTimeProvider();
        await using var server = await Start(clock, TimeSpan.FromHours(2));
        using var context = Context(clock);
        var channel = context.Create("feishu", Section(server, App));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false);

        Assert.True((await channel.SendAsync(notification, CancellationToken.None)).IsSuccess);
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.True((await channel.SendAsync(notification, CancellationToken.None)).IsSuccess);
        Assert.Equal(1, server.TokensIssued);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.True((await channel.SendAsync(notification, CancellationToken.None)).IsSuccess);

        Assert.Equal(2, server.TokensIssued);
        Assert.All(server.Messages, m => Assert.Single(m.ImageKeys));
    }

    [Fact]
    public async Task Send_WrongAppSecret_ChartLinkedAndMessageStillDelivered()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server, ("app_id", "cli_fakeapp"), ("app_secret", "wrong-app-secret")));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var card = Assert.Single(server.Messages);
        Assert.Empty(card.ImageKeys);
        Assert.Contains("(https://images.example.com/charts/0.png)", card.Text, StringComparison.Ordinal);
        Assert.Contains("app_secret", context.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-app-secret", context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_NoAppCredentials_ChartLinkedByStoredUrl()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Contains("[📈 HighScrapeDuration chart 0](https://images.example.com/charts/0.png)", Assert.Single(server.Messages).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CardOver20KB_SplitAtAlertBoundaries()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server));
        var group = AlertGroupSamples.Many(30, descriptionLength: 900);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.True(server.Messages.Count > 1);
        Assert.All(server.Requests, r => Assert.True(r.Body.Length <= FakeFeishuServer.MaxBodyBytes));
        var all = string.Concat(server.Messages.Select(m => m.Text));
        for (var i = 0; i < 30; i++)
        {
            Assert.Contains($"disk {i} almost full**", all, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(9499, server.Answers);
    }

    [Fact]
    public async Task Send_MoreThan5InASecond_PacedNever11232()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle);
        Assert.Equal(new ChannelRateLimit(100, TimeSpan.FromMinutes(1)), channel.RateLimit);

        var started = DateTimeOffset.UtcNow;
        var results = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => channel.SendAsync(notification, CancellationToken.None).AsTask()));

        Assert.All(results, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.Equal(7, server.Messages.Count);
        Assert.DoesNotContain(11232, server.Answers);
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(0.9));
    }

    [Theory]
    [InlineData(19024, "Key Words Not Found", FailureReason.Auth)]
    [InlineData(19022, "Ip Not Allowed", FailureReason.Auth)]
    [InlineData(19001, "param invalid: incoming webhook access token invalid", FailureReason.Auth)]
    [InlineData(9499, "Bad Request", FailureReason.InvalidRequest)]
    [InlineData(11232, "frequency limited", FailureReason.RateLimited)]
    [InlineData(12345, "something new", FailureReason.Permanent)]
    public async Task Send_Code_Classified(int code, string msg, FailureReason expected)
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server));
        server.FailNext(code, msg);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WrongBotToken_AuthWithoutTheToken()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", SettingsBuilder.FromPairs(("url", new Uri(server.BaseUrl, "open-apis/bot/v2/hook/not-the-token-99").ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.DoesNotContain("not-the-token-99", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_MentionsFromLabelAndConfig_AtTagsInCard()
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server, ("mention_label", "owner"), ("at_user_ids", new[] { "ou_config" })));
        var group = WithOwner(AlertGroupSamples.FiringSingle, "ou_owner1, ops@example.com");

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Contains("<at id=ou_config></at> <at id=ou_owner1></at> <at email=ops@example.com></at>", Assert.Single(server.Messages).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_Resolved_MentionsOnlyWithMentionOnResolved(bool onResolved)
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server, ("at_all", true), ("mention_on_resolved", onResolved)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(onResolved, Assert.Single(server.Messages).Text.Contains("<at id=all></at>", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("zh", "[告警风暴汇总] 3 组通知，5 条告警", "其余告警")]
    [InlineData("en", "[Alert storm digest] 3 notifications, 5 alerts", "Other alerts")]
    public async Task Send_Digest_DigestTemplatesForTitleAndText(string lang, string title, string others)
    {
        await using var server = await Start();
        using var context = Context();
        var channel = context.Create("feishu", Section(server, ("lang", lang)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle) with { Digest = SampleDigest() }, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var card = Assert.Single(server.Messages);
        Assert.Equal(title, card.Title);
        Assert.Contains(others, card.Text, StringComparison.Ordinal);
        Assert.Contains("[DiskFull](https://promoter.example.com/alerts/00000000000000a1)", card.Text, StringComparison.Ordinal);
        Assert.Contains("**DiskFull**", card.Text, StringComparison.Ordinal);
    }

    internal static NotificationDigest SampleDigest() => new()
    {
        Notifications = 3,
        Alerts = 5,
        Firing = 4,
        Resolved = 1,
        Counts = [new DigestCount("DiskFull", "critical", 3, 1), new DigestCount("HighScrapeDuration", "warning", 1, 0)],
        Others = [new DigestEntry("DiskFull", "critical", "firing", "disk 1 almost full", "00000000000000a1", "https://promoter.example.com/alerts/00000000000000a1")],
        ChartsOmitted = 2,
    };

    internal static AlertGroup WithOwner(AlertGroup group, string owner) => group with
    {
        Alerts = group.Alerts.Select(a => a with { Labels = new Dictionary<string, string>(a.Labels) { ["owner"] = owner } }).ToList(),
    };
}
