using Promoter.Testing.Infrastructure;
using System.Text;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;
using Promoter.Channel.DingTalk;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.DingTalk.Tests;

/// <summary>The DingTalk channel against the fake robot, which checks what DingTalk checks.</summary>
public sealed class DingTalkChannelTests
{
    private const string Token = "robotAccessToken_5f1e0c0ffee";
    private const string Secret = "SECsigningSecret_9b2d7a1e";

    private static SettingsMapping Section(FakeDingTalkServer server, string? secret = Secret, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("url", server.RobotUrl.ToString()), .. secret is null ? [] : new (string, object?)[] { ("secret", secret) }, .. extra]);

    [Fact]
    public async Task Send_SignedFiringGroup_DeliversMarkdownWithChartsAndMentions()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var channel = context.Create("dingtalk", Section(server, Secret, ("at_mobiles", new[] { "13800000000" }), ("at_user_ids", new[] { "manager01" })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal("markdown", message.MsgType);
        Assert.Contains("![", message.Text, StringComparison.Ordinal);
        Assert.Contains("https://images.example.com/charts/0.png", message.Text, StringComparison.Ordinal);
        Assert.Equal(["13800000000"], message.AtMobiles);
        Assert.Equal(["manager01"], message.AtUserIds);
        Assert.Contains("@13800000000", message.Text, StringComparison.Ordinal);
        Assert.Contains("@manager01", message.Text, StringComparison.Ordinal);
        Assert.False(message.IsAtAll);
    }

    [Theory]
    [InlineData("SECwrongSecret_000000", "secret")]
    [InlineData(null, "secret")]
    public async Task Send_WrongOrMissingSignature_AuthNamingTheSecretSetting(string? configuredSecret, string hint)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var channel = context.Create("dingtalk", Section(server, configuredSecret));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.Contains(hint, result.Message, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
        Assert.DoesNotContain(Token, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, context.Logs.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-61, 310000)]
    [InlineData(-59, 0)]
    [InlineData(59, 0)]
    [InlineData(61, 310000)]
    public async Task Send_ClockSkew_AcceptedOnlyWithinOneHour(int skewMinutes, int expectedErrcode)
    {
        var serverClock = new ManualTimeProvider();
        var channelClock = new ManualTimeProvider(serverClock.GetUtcNow().AddMinutes(skewMinutes));
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret, clock: serverClock);
        using var context = new ChannelTestContext(new DingTalkPlugin(), channelClock);
        var channel = context.Create("dingtalk", Section(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expectedErrcode, Assert.Single(server.Answers));
        Assert.Equal(expectedErrcode == 0, result.IsSuccess);
        if (expectedErrcode != 0)
        {
            Assert.Equal(FailureReason.Auth, result.Failure);
            Assert.Contains("clock", result.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("告警", true)]
    [InlineData("Prometheus", false)]
    public async Task Send_RobotWithKeyword_KeywordEnsuredInText(string keyword, bool keywordInTemplate)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, keyword: keyword);
        var templates = new FakeTemplateRenderer().Map("TEXT", _ => keywordInTemplate ? $"## {keyword} firing" : "## something firing");
        using var context = new ChannelTestContext(new DingTalkPlugin(), templates: templates);
        var channel = context.Create("dingtalk", Section(server, null, ("keyword", keyword), ("template", new (string, object?)[] { ("text", "TEXT") })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var text = Assert.Single(server.Messages).Text;
        Assert.Equal(1, CountOf(text, keyword));
    }

    [Fact]
    public async Task Send_RobotWithKeywordButChannelWithout_AuthNamingKeyword()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, keyword: "ALERT-KEYWORD");
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var channel = context.Create("dingtalk", Section(server, null));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.Contains("keyword", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_MoreThan20InAMinute_QueuesInsteadOfTrippingTheLimit()
    {
        var clock = new ManualTimeProvider();
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret, clock: clock);
        using var context = new ChannelTestContext(new DingTalkPlugin(), clock);
        // Two channel instances on the same robot share its pacer.
        var first = context.Create("dingtalk", Section(server), "a");
        var second = context.Create("dingtalk", Section(server, Secret, ("max_queue_wait", "2m")), "b");
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle);

        for (var i = 0; i < 20; i++)
        {
            var r = await (i % 2 == 0 ? first : second).SendAsync(notification, CancellationToken.None);
            Assert.True(r.IsSuccess, r.ToString());
        }

        var queued = second.SendAsync(notification, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => clock.PendingTimers > 0);
        Assert.False(queued.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        Assert.False(queued.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(30));
        var result = await queued.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(21, server.Messages.Count);
        Assert.DoesNotContain(130101, server.Answers);
    }

    [Fact]
    public async Task Send_QueueWaitOverBound_RateLimitedWithRetryAfterAndNothingSent()
    {
        var clock = new ManualTimeProvider();
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret, clock: clock);
        using var context = new ChannelTestContext(new DingTalkPlugin(), clock);
        var channel = context.Create("dingtalk", Section(server, Secret, ("max_queue_wait", "5s")));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle);
        for (var i = 0; i < 20; i++)
        {
            Assert.True((await channel.SendAsync(notification, CancellationToken.None)).IsSuccess);
        }

        clock.Advance(TimeSpan.FromSeconds(10));
        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, result.Failure);
        Assert.Equal(TimeSpan.FromSeconds(50), result.RetryAfter);
        Assert.Equal(20, server.Requests.Count);
    }

    [Fact]
    public async Task Send_ServiceSays130101_RateLimitedAndOtherSendersHeld()
    {
        var clock = new ManualTimeProvider();
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret, clock: clock);
        using var context = new ChannelTestContext(new DingTalkPlugin(), clock);
        var channel = context.Create("dingtalk", Section(server, Secret, ("max_queue_wait", "0s")));
        server.FailNext(130101, "send too fast, exceed 20 times per minute");

        var first = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);
        var second = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, first.Failure);
        Assert.Equal(TimeSpan.FromMinutes(1), first.RetryAfter);
        Assert.Equal(FailureReason.RateLimited, second.Failure);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData(300001, "token is not exist", FailureReason.Auth)]
    [InlineData(310000, "keywords not in content", FailureReason.Auth)]
    [InlineData(460101, "message too long, exceed 20000 bytes", FailureReason.InvalidRequest)]
    [InlineData(101002, "message is too long", FailureReason.InvalidRequest)]
    [InlineData(-1, "系统繁忙", FailureReason.Transient)]
    [InlineData(40035, "缺少参数 json", FailureReason.InvalidRequest)]
    [InlineData(88888, "something new", FailureReason.Permanent)]
    public async Task Send_Errcode_Classified(int errcode, string errmsg, FailureReason expected)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var channel = context.Create("dingtalk", Section(server));
        server.FailNext(errcode, errmsg);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.Contains(errcode.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40, 100)]
    [InlineData(300, 200)]
    public async Task Send_GroupOverSizeLimit_SplitAtAlertBoundariesEachUnderLimit(int alerts, int descriptionLength)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        var templates = new FakeTemplateRenderer().Map("TEXT", RenderEveryAlert);
        using var context = new ChannelTestContext(new DingTalkPlugin(), templates: templates);
        var channel = context.Create("dingtalk", Section(server, Secret, ("max_queue_wait", "0s"), ("template", new (string, object?)[] { ("text", "TEXT") })));
        var group = AlertGroupSamples.Many(alerts, descriptionLength);
        var expectedBytes = Encoding.UTF8.GetByteCount(RenderEveryAlert(new TemplateInput(group)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess || result.Failure == FailureReason.RateLimited, result.ToString());
        var messages = server.Messages;
        Assert.DoesNotContain(460101, server.Answers);
        if (expectedBytes <= FakeDingTalkServer.MaxMessageBytes)
        {
            Assert.Single(messages);
            return;
        }

        Assert.True(messages.Count > 1);
        Assert.All(messages, m => Assert.True(Encoding.UTF8.GetByteCount(m.Text) <= FakeDingTalkServer.MaxMessageBytes));
        Assert.All(messages, m => Assert.Contains($"/{messages.Count})", m.Title, StringComparison.Ordinal));
        // Every alert appears exactly once across the parts, in order.
        var instances = messages.SelectMany(m => m.Text.Split('\n').Where(l => l.StartsWith("ALERT ", StringComparison.Ordinal))).ToList();
        if (result.IsSuccess)
        {
            Assert.Equal(group.Alerts.Select(a => "ALERT " + a.Labels["instance"]), instances);
        }
    }

    [Fact]
    public async Task Send_LaterPartFails_RetryResumesWithoutResendingDeliveredParts()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        var templates = new FakeTemplateRenderer().Map("TEXT", RenderEveryAlert);
        using var context = new ChannelTestContext(new DingTalkPlugin(), templates: templates);
        var channel = context.Create("dingtalk", Section(server, Secret, ("template", new (string, object?)[] { ("text", "TEXT") })));
        var group = AlertGroupSamples.Many(100, 500);
        var notification = AlertGroupSamples.Notify(group);

        // First learn how many parts the group needs; then make part 2 hit a DingTalk hiccup on another robot.
        var probe = await channel.SendAsync(notification, CancellationToken.None);
        Assert.True(probe.IsSuccess, probe.ToString());
        var parts = server.Messages.Count;
        Assert.True(parts >= 3, $"expected at least 3 parts, got {parts}");

        await using var second = await FakeDingTalkServer.StartAsync(Token, Secret);
        var channel2 = context.Create("dingtalk", SettingsBuilder.FromPairs(("url", second.RobotUrl.ToString()), ("secret", Secret),
            ("template", new (string, object?)[] { ("text", "TEXT") })), "second");
        second.FailNext(0, "ok");
        second.FailNextHttp(502);
        var failed = await channel2.SendAsync(notification, CancellationToken.None);
        Assert.Equal(FailureReason.Transient, failed.Failure);
        Assert.NotNull(failed.ResumeToken);

        var resumed = await channel2.SendAsync(notification with { Attempt = 2, ResumeToken = failed.ResumeToken }, CancellationToken.None);

        Assert.True(resumed.IsSuccess, resumed.ToString());
        // The first request was answered "ok" by the script (not recorded as a message); the resumed
        // attempt sent parts 2..n only: n-1 messages, the first of them part 2.
        Assert.Equal(parts - 1, second.Messages.Count);
        Assert.EndsWith($"(2/{parts})", second.Messages[0].Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_SingleAlertOverLimit_TruncatedWithNote()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        var templates = new FakeTemplateRenderer().Map("TEXT", RenderEveryAlert);
        using var context = new ChannelTestContext(new DingTalkPlugin(), templates: templates);
        var channel = context.Create("dingtalk", Section(server, Secret, ("template", new (string, object?)[] { ("text", "TEXT") })));
        var group = AlertGroupSamples.Many(1, 30_000);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var text = Assert.Single(server.Messages).Text;
        Assert.True(Encoding.UTF8.GetByteCount(text) <= FakeDingTalkServer.MaxMessageBytes);
        Assert.Contains("truncated", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FakeTemplateRenderer.FailCompile)]
    [InlineData(FakeTemplateRenderer.FailRender)]
    public async Task Send_TemplateFails_BuiltInMessageSentAndErrorLogged(string text)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var channel = context.Create("dingtalk", Section(server, Secret, ("template", new (string, object?)[] { ("text", text) })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        var alert = AlertGroupSamples.FiringSingle.Alerts[0];
        Assert.Contains(alert.Name, message.Text, StringComparison.Ordinal);
        Assert.Contains(alert.Annotations["summary"], message.Text, StringComparison.Ordinal);
        Assert.Contains("FIRING", message.Text, StringComparison.Ordinal);
        Assert.Contains(context.Logs.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains("template", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_Notes_AppendedToText()
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var channel = context.Create("dingtalk", Section(server));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle) with { Notes = ["chart unavailable: Prometheus timed out"] };

        Assert.True((await channel.SendAsync(notification, CancellationToken.None)).IsSuccess);

        Assert.Contains("chart unavailable: Prometheus timed out", Assert.Single(server.Messages).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "zh")]
    [InlineData("zh", "zh")]
    [InlineData("en", "en")]
    public async Task Create_DefaultTemplates_CompiledByNameForTheLanguage(string? lang, string expected)
    {
        await using var server = await FakeDingTalkServer.StartAsync(Token, Secret);
        var templates = new FakeTemplateRenderer();
        using var context = new ChannelTestContext(new DingTalkPlugin(), templates: templates);
        context.Create("dingtalk", Section(server, Secret, lang is null ? [] : [("lang", lang)]));

        foreach (var name in new[] { $"dingtalk.default.{expected}.title", $"dingtalk.default.{expected}.content", $"dingtalk.digest.{expected}.title", $"dingtalk.digest.{expected}.content" })
        {
            Assert.Contains(templates.Compiled, c => c.Text.Contains($"\"{name}\"", StringComparison.Ordinal));
            Assert.Contains(context.TemplateSources, s => s.Text.Contains($"define \"{name}\"", StringComparison.Ordinal));
        }

        // The English templates of earlier versions stay, for configurations that name them.
        Assert.Contains(context.TemplateSources, s => s.Text.Contains("define \"dingtalk.default.content\"", StringComparison.Ordinal));
    }

    private static string RenderEveryAlert(TemplateInput input) =>
        string.Concat(input.Group.Alerts.Select(a => $"ALERT {a.Labels["instance"]}\n{a.Annotations["description"]}\n"));

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "condition not reached within 5s");
    }
}
