using Promoter.Testing.Infrastructure;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Channel.Slack;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Slack.Tests;

/// <summary>The Slack channel against the fake Slack, which checks what Slack checks.</summary>
public sealed class SlackChannelTests
{
    private const string Token = "xoxb-42-42-slackChannelTestsToken";

    private static SettingsMapping Bot(FakeSlackServer server, string token = Token, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("token", token), ("channel", "C0ALERTS"), ("api_url", server.ApiUrl.ToString()), .. extra]);

    [Theory]
    [InlineData("token", true)]
    [InlineData("webhook_url", false)]
    public void UploadsImages_OnlyBotModeCanUpload(string mode, bool expected)
    {
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", mode == "token"
            ? SettingsBuilder.FromPairs(("token", Token), ("channel", "C0ALERTS"))
            : SettingsBuilder.FromPairs(("webhook_url", "https://hooks.slack.com/services/T0/B0/x")));

        Assert.Equal(expected, channel.UploadsImages);
    }

    [Fact]
    public async Task Send_FiringWithPublicCharts_PostsBlockKitWithImageBlocks()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal($"C0ALERTS/{message.Ts}", result.MessageId);
        var blocks = JsonNode.Parse(message.BlocksJson!)!.AsArray();
        Assert.Equal("header", blocks[0]!["type"]!.GetValue<string>());
        var image = Assert.Single(blocks, b => b!["type"]!.GetValue<string>() == "image");
        Assert.Equal("https://images.example.com/charts/0.png", image!["image_url"]!.GetValue<string>());
        Assert.Empty(server.Files);
    }

    [Fact]
    public async Task Send_PrivateCharts_UploadedIntoThreadInProtocolOrder()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        var group = AlertGroupSamples.Many(2);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(
            ["chat.postMessage", "files.getUploadURLExternal", "/upload/F00000001", "files.completeUploadExternal",
             "files.getUploadURLExternal", "/upload/F00000002", "files.completeUploadExternal"],
            server.Calls.Select(c => c.Method));
        Assert.All(server.Calls, c => Assert.True(c.Ok, c.ResponseBody));
        var parent = Assert.Single(server.Messages);
        Assert.DoesNotContain("\"image\"", parent.BlocksJson, StringComparison.Ordinal);
        Assert.All(server.Files, f =>
        {
            Assert.Equal(AlertGroupSamples.TinyPng.ToArray(), f.Content);
            Assert.Equal("C0ALERTS", f.Channel);
            Assert.Equal(parent.Ts, f.ThreadTs);
        });
    }

    [Fact]
    public async Task Send_ResolvedAfterFiring_UpdatesOriginalAndRepliesInThread()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        server.EnforcePace = false;
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        var firing = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        var resolved = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved, previousMessageId: firing.MessageId), CancellationToken.None);

        Assert.True(resolved.IsSuccess, resolved.ToString());
        Assert.Equal(firing.MessageId, resolved.MessageId);
        Assert.Contains(server.Calls, c => c.Method == "chat.update" && c.Ok);
        var messages = server.Messages;
        var parent = Assert.Single(messages, m => m.ThreadTs is null);
        Assert.Equal(1, parent.Updates);
        Assert.Contains("RESOLVED", parent.BlocksJson, StringComparison.Ordinal);
        var reply = Assert.Single(messages, m => m.ThreadTs is not null);
        Assert.Equal(parent.Ts, reply.ThreadTs);
    }

    [Fact]
    public async Task Send_RepeatWhileFiring_RepliesInThreadKeepingParentId()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        server.EnforcePace = false;
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        var first = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        var repeat = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, previousMessageId: first.MessageId), CancellationToken.None);
        var again = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, previousMessageId: repeat.MessageId), CancellationToken.None);

        Assert.True(again.IsSuccess, again.ToString());
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.DoesNotContain(server.Calls, c => c.Method == "chat.update");
        Assert.Equal(2, server.Messages.Count(m => m.ThreadTs is not null));
    }

    [Theory]
    [InlineData("C0ALERTS/1.000001")]
    [InlineData("CGONE/1700000000.000100")]
    public async Task Send_ResolvedButOriginalGone_PostsNewMessage(string previous)
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved, previousMessageId: previous), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.NotEqual(previous, result.MessageId);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Send_WrongToken_AuthWithoutLeakingEitherToken()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        const string wrong = "xoxb-0-0-wrongTokenValue";
        var channel = context.Create("slack", Bot(server, wrong));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.Contains("invalid_auth", result.Message, StringComparison.Ordinal);
        Assert.Contains("token", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, result.ToString() + context.Logs.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid_auth", FailureReason.Auth)]
    [InlineData("not_authed", FailureReason.Auth)]
    [InlineData("account_inactive", FailureReason.Auth)]
    [InlineData("token_revoked", FailureReason.Auth)]
    [InlineData("channel_not_found", FailureReason.Permanent)]
    [InlineData("not_in_channel", FailureReason.Permanent)]
    [InlineData("is_archived", FailureReason.Permanent)]
    [InlineData("invalid_blocks", FailureReason.InvalidRequest)]
    [InlineData("msg_too_long", FailureReason.InvalidRequest)]
    [InlineData("ratelimited", FailureReason.RateLimited)]
    [InlineData("internal_error", FailureReason.Transient)]
    public async Task Send_OkFalseError_Classified(string error, FailureReason expected)
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        server.FailNext(error);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.Contains(error, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_UnknownChannel_PermanentNamingChannelSetting()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", SettingsBuilder.FromPairs(("token", Token), ("channel", "CNOPE"), ("api_url", server.ApiUrl.ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Permanent, result.Failure);
        Assert.Contains("check channel", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_429WithRetryAfter_RateLimitedWithThatDelay()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        server.RespondNext(429, """{"ok":false,"error":"ratelimited"}""", "30");

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, result.Failure);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Fact]
    public async Task Send_ThreeInARow_PacedToOneASecondSoSlackNeverAnswers429()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        var watch = Stopwatch.StartNew();

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, deliveryId: $"d{i}"), CancellationToken.None).AsTask()));

        Assert.All(results, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.DoesNotContain(server.Calls, c => c.Status == 429);
        Assert.Equal(3, server.Messages.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"3 posts took only {watch.Elapsed}");
    }

    [Fact]
    public async Task Send_PaceWaitOverBound_RateLimitedWithoutCallingSlack()
    {
        var clock = new ManualTimeProvider();
        await using var server = await FakeSlackServer.StartAsync(Token, clock: clock);
        using var context = new ChannelTestContext(new SlackPlugin(), clock);
        var channel = context.Create("slack", Bot(server, Token, ("max_queue_wait", "0s")));

        var first = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);
        var second = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(first.IsSuccess, first.ToString());
        Assert.Equal(FailureReason.RateLimited, second.Failure);
        Assert.Equal(TimeSpan.FromSeconds(1), second.RetryAfter);
        Assert.Single(server.Calls);
    }

    [Fact]
    public async Task Send_UploadFailsTransiently_RetryFinishesUploadsWithoutRepostingMessage()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.Many(2), withImages: true, publicImages: false);
        server.FailCall("files.getUploadURLExternal", 2, "internal_error");
        var first = await channel.SendAsync(notification, CancellationToken.None);

        Assert.Equal(FailureReason.Transient, first.Failure);
        Assert.NotNull(first.ResumeToken);

        var retry = await channel.SendAsync(notification with { Attempt = 2, ResumeToken = first.ResumeToken }, CancellationToken.None);

        Assert.True(retry.IsSuccess, retry.ToString());
        Assert.Single(server.Messages);
        Assert.Equal(2, server.Files.Count(f => f.ThreadTs is not null));
        Assert.Equal(1, server.Calls.Count(c => c.Method == "chat.postMessage"));
        Assert.Equal(server.Messages[0].Channel + "/" + server.Messages[0].Ts, retry.MessageId);
    }

    [Fact]
    public async Task Send_IncomingWebhook_PostsBlocksAndGetsPlainOk()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", SettingsBuilder.FromPairs(("webhook_url", server.IncomingWebhookUrl.ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Contains("image_url", message.BlocksJson, StringComparison.Ordinal);
        Assert.DoesNotContain(server.WebhookSecret, context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_IncomingWebhookRevoked_AuthWithoutLeakingUrl()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        const string revoked = "revokedWebhookSecretXYZ123";
        var channel = context.Create("slack", SettingsBuilder.FromPairs(("webhook_url", new Uri(server.BaseUrl, "services/T0FAKE/B0FAKE/" + revoked).ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.Equal(403, result.StatusCode);
        Assert.DoesNotContain(revoked, result.ToString() + context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_LongTextAndManyCharts_StaysWithinBlockKitLimits()
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin(), templates: new FakeTemplateRenderer()
            .Map("{{ template \"slack.promoter.title\" . }}", _ => new string('T', 400))
            .Map("{{ template \"slack.promoter.text\" . }}", i => string.Concat(i.Group.Alerts.Select(a => a.Annotations["description"] + "\n"))));
        var channel = context.Create("slack", Bot(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Many(80, 400), withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var blocks = JsonNode.Parse(Assert.Single(server.Messages).BlocksJson!)!.AsArray();
        Assert.True(blocks.Count <= 50);
    }

    [Theory]
    [InlineData(FakeTemplateRenderer.FailCompile)]
    [InlineData(FakeTemplateRenderer.FailRender)]
    public async Task Send_TemplateFails_BuiltInMessageSentAndErrorLogged(string text)
    {
        await using var server = await FakeSlackServer.StartAsync(Token);
        using var context = new ChannelTestContext(new SlackPlugin());
        var channel = context.Create("slack", Bot(server, Token, ("template", new (string, object?)[] { ("text", text), ("title", text) })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        var alert = AlertGroupSamples.FiringSingle.Alerts[0];
        Assert.Contains(alert.Name, message.BlocksJson, StringComparison.Ordinal);
        Assert.Contains("FIRING", message.BlocksJson, StringComparison.Ordinal);
        Assert.Contains(context.Logs.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    public static TheoryData<(string, object?)[], string> BadSections => new()
    {
        { [], "neither 'token' nor 'webhook_url'" },
        { [("token", "xoxb-secretTok-1")], "'channel' is required" },
        { [("token", "xoxb-secretTok-1"), ("channel", "C1"), ("webhook_url", "https://hooks.slack.com/services/T/B/secretTok-1")], "both 'token' and 'webhook_url'" },
        { [("token", "secretTok-1"), ("channel", "C1")], "starts with xoxb-" },
        { [("webhook_url", "https://hooks.slack.com/services/T/B/secretTok-1"), ("channel", "C1")], "cannot be used with webhook_url" },
        { [("token", "xoxb-secretTok-1"), ("channel", "C1"), ("api_url", "slack")], "not an absolute http(s) URL" },
        { [("token", "xoxb-secretTok-1"), ("chanel", "C1")], "did you mean 'channel'" },
    };

    [Theory]
    [MemberData(nameof(BadSections))]
    public void Create_BadSection_ReportsErrorWithoutEchoingSecrets((string, object?)[] pairs, string expected)
    {
        using var context = new ChannelTestContext(new SlackPlugin());

        var (_, errors) = context.TryCreate("slack", SettingsBuilder.FromPairs(pairs));

        var all = string.Join("\n", errors);
        Assert.Contains(expected, all, StringComparison.Ordinal);
        Assert.DoesNotContain("secretTok-1", all, StringComparison.Ordinal);
    }
}
