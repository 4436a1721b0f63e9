using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Telegram.Tests;

/// <summary>The Telegram channel against the fake Bot API, which checks what Telegram checks.</summary>
public sealed class TelegramChannelTests
{
    private const string Token = "123456789:AAfakeTelegramBotTokenForTests_0123456";
    private const string Chat = "-1001234567890";

    // Every character either parse mode reserves, and the ones HTML needs as entities.
    private const string Nasty = "cpu > 90% & <load> \"x\" a_b*c[d](e)~f`g`>h#i+j-k=l|m{n}o.p!q\\r 运维 🔥";

    private static SettingsMapping Settings(FakeTelegramServer server, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("bot_token", Token), ("chat_id", Chat), ("api_url", server.ApiUrl.ToString()), .. extra]);

    private static FakeTemplateRenderer TextOf(Func<string> text) =>
        new FakeTemplateRenderer().Map(TelegramOptions.DefaultTextTemplate, _ => text());

    private static Notification WithImages(Notification n, Func<NotificationImage, NotificationImage> change) =>
        n with { Images = n.Images.Select(change).ToList() };

    [Fact]
    public async Task Send_OneChartShortText_OnePhotoUploadedWithCaption()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.True(channel.UploadsImages);
        var call = Assert.Single(server.Calls);
        Assert.Equal("sendPhoto", call.Method);
        Assert.StartsWith("multipart/form-data", call.Request.Header("content-type"), StringComparison.Ordinal);
        Assert.NotNull(call.Request.Header("content-length"));
        var photo = Assert.Single(server.Messages);
        Assert.Equal(AlertGroupSamples.TinyPng.ToArray(), photo.Photo);
        Assert.Contains("[FIRING] HighScrapeDuration", photo.VisibleText, StringComparison.Ordinal);
        Assert.Contains("Silence", photo.VisibleText, StringComparison.Ordinal);
        Assert.True(photo.VisibleText.Length <= FakeTelegramServer.CaptionLimit);
        Assert.Equal($"{Chat}/{photo.Id}", result.MessageId);
    }

    [Fact]
    public async Task Send_TextOverCaptionLimit_MessageThenChartsAsAlbumReplyingToIt()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: TextOf(() => new string('x', 1500)));
        var channel = context.Create("telegram", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Many(2), withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["sendMessage", "sendMediaGroup"], server.Calls.Select(c => c.Method));
        var messages = server.Messages;
        Assert.All(messages.Skip(1), m => Assert.Equal(AlertGroupSamples.TinyPng.ToArray(), m.Photo));
        Assert.Contains(new string('x', 1500), messages[0].VisibleText, StringComparison.Ordinal);
        Assert.All(messages.Skip(1), m => Assert.Equal(messages[0].Id, m.ReplyTo));
        Assert.Equal(["DiskFull chart 0", "DiskFull chart 1"], messages.Skip(1).Select(m => m.VisibleText));
        Assert.Equal($"{Chat}/{messages[0].Id}", result.MessageId);
    }

    [Theory]
    [InlineData("HTML")]
    [InlineData("MarkdownV2")]
    public async Task Send_ReservedCharactersInText_ShownExactlyInBothParseModes(string parseMode)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        var templates = TextOf(() => Nasty).Map(TelegramOptions.DefaultTitleTemplate, _ => "Title " + Nasty);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: templates);
        var channel = context.Create("telegram", Settings(server, ("parse_mode", parseMode)));

        var text = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);
        var caption = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(text.IsSuccess, text.ToString());
        Assert.True(caption.IsSuccess, caption.ToString());
        Assert.All(server.Messages, m =>
        {
            Assert.Equal(parseMode, m.ParseMode);
            Assert.StartsWith("Title " + Nasty + "\n\n" + Nasty + "\n\n", m.VisibleText, StringComparison.Ordinal);
            Assert.EndsWith("Source · Silence · Alertmanager", m.VisibleText, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("HTML", 10_000)]
    [InlineData("MarkdownV2", 10_000)]
    [InlineData("MarkdownV2", 4_000)]
    public async Task Send_TextOverMessageLimit_CutToFitAfterEntityParsing(string parseMode, int length)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);

        // Every character needs escaping: the raw text is twice (MarkdownV2) or five times (HTML) the visible one.
        var body = string.Concat(Enumerable.Repeat(parseMode == "HTML" ? "&" : ".", length));
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: TextOf(() => body));
        var channel = context.Create("telegram", Settings(server, ("parse_mode", parseMode)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal(FakeTelegramServer.MessageLimit, message.VisibleText.Length);
        Assert.Contains("…\n\nSource", message.VisibleText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, new[] { "sendPhoto" })]
    [InlineData(1, new[] { "sendMessage", "sendPhoto" })]
    public async Task Send_CaptionAtAndOverTheLimit_OnePhotoOrMessageWithPhotoReply(int over, string[] calls)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false);
        var probe = new TelegramMessageBuilder("t", "p", new TelegramOptions { BotToken = Token, ChatId = Chat }, TextOf(() => "x"),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var overhead = TelegramMessageBuilder.FullLength(probe.Content(notification, [])) - 1;
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: TextOf(() => new string('y', FakeTelegramServer.CaptionLimit - overhead + over)));
        var channel = context.Create("telegram", Settings(server));

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(calls, server.Calls.Select(c => c.Method));
        Assert.Equal(FakeTelegramServer.CaptionLimit + over, server.Messages[0].VisibleText.Length);
    }

    [Fact]
    public async Task Send_ResolvedAfterFiring_RepliesToTheFiringMessage()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));
        var firing = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        var resolved = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved, withImages: true, publicImages: false, previousMessageId: firing.MessageId),
            CancellationToken.None);

        Assert.True(resolved.IsSuccess, resolved.ToString());
        var messages = server.Messages;
        Assert.Equal(2, messages.Count);
        Assert.Equal(messages[0].Id, messages[1].ReplyTo);
        Assert.Contains("[RESOLVED]", messages[1].VisibleText, StringComparison.Ordinal);
        Assert.DoesNotContain("Silence", messages[1].VisibleText, StringComparison.Ordinal);
        Assert.Equal(firing.MessageId, resolved.MessageId);
    }

    [Fact]
    public async Task Send_PreviousMessageDeleted_StillSent()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved, previousMessageId: $"{Chat}/99999"), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Null(Assert.Single(server.Messages).ReplyTo);
    }

    [Theory]
    [InlineData(7, null)]
    [InlineData(99, FailureReason.InvalidRequest)]
    public async Task Send_MessageThreadId_PostsInTheTopicOrFailsClearly(int topic, FailureReason? expected)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server, ("message_thread_id", topic)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        if (expected is null)
        {
            Assert.Equal(topic, Assert.Single(server.Messages).ThreadId);
        }
        else
        {
            Assert.Contains("message thread not found", result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_429WithRetryAfterInBody_RateLimitedWithThatDelay()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        server.RateLimitNext(17);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, result.Failure);
        Assert.Equal(TimeSpan.FromSeconds(17), result.RetryAfter);
        Assert.Equal(429, result.StatusCode);
    }

    [Fact]
    public async Task Send_SecondAlbumThrottled_RetryResumesWithoutResendingTextOrFirstAlbum()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: TextOf(() => new string('x', 1500)));
        var channel = context.Create("telegram", Settings(server));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.Many(12), withImages: true, publicImages: false);
        server.RespondAt(3, 429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}""");

        var first = await channel.SendAsync(notification, CancellationToken.None);
        var retry = await channel.SendAsync(notification with { Attempt = 2, ResumeToken = first.ResumeToken }, CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, first.Failure);
        Assert.Equal(TimeSpan.FromSeconds(3), first.RetryAfter);
        Assert.NotNull(first.ResumeToken);
        Assert.True(retry.IsSuccess, retry.ToString());
        Assert.Equal(["sendMessage", "sendMediaGroup", "sendMediaGroup", "sendMediaGroup"], server.Calls.Select(c => c.Method));
        var messages = server.Messages;
        Assert.Equal(13, messages.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"DiskFull chart {i}"), messages.Skip(1).Select(m => m.VisibleText));
        Assert.All(messages.Skip(1), m => Assert.Equal(messages[0].Id, m.ReplyTo));
        Assert.Equal($"{Chat}/{messages[0].Id}", retry.MessageId);
    }

    [Fact]
    public async Task Send_ResolvedWithChartsThrottledThenResumed_KeepsTheFirstMessageAsId()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: TextOf(() => new string('x', 1500)));
        var channel = context.Create("telegram", Settings(server));
        var firing = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);
        var resolved = AlertGroupSamples.Notify(AlertGroupSamples.Many(2, status: "resolved"), withImages: true, publicImages: false, previousMessageId: firing.MessageId);
        server.RateLimitNext(0);
        server.RespondAt(2, 500, """{"ok":false,"error_code":500,"description":"Internal Server Error"}""");

        var throttled = await channel.SendAsync(resolved, CancellationToken.None);
        var first = await channel.SendAsync(resolved with { Attempt = 2 }, CancellationToken.None);
        var resumed = await channel.SendAsync(resolved with { Attempt = 3, ResumeToken = first.ResumeToken }, CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, throttled.Failure);
        Assert.Equal(FailureReason.Transient, first.Failure);
        Assert.True(resumed.IsSuccess, resumed.ToString());
        Assert.Equal(firing.MessageId, resumed.MessageId);
        var messages = server.Messages;
        Assert.Equal(messages[0].Id, messages[1].ReplyTo);
        Assert.Equal(messages[1].Id, messages[2].ReplyTo);
    }

    [Fact]
    public async Task Send_PublicUrlWithoutBytes_PhotoSentByUrl()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), i => i with { Content = ReadOnlyMemory<byte>.Empty });

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.StartsWith("application/json", Assert.Single(server.Calls).Request.Header("content-type"), StringComparison.Ordinal);
        Assert.Equal("https://images.example.com/charts/0.png", Assert.Single(server.Messages).PhotoUrl);
    }

    [Fact]
    public async Task Send_ChartNeitherUploadableNorPublic_TextSaysSo()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false),
            i => i with { Content = ReadOnlyMemory<byte>.Empty });

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal("sendMessage", message.Method);
        Assert.Contains("chart \"HighScrapeDuration chart 0\" not attached: not stored where Telegram can fetch it", message.VisibleText, StringComparison.Ordinal);
    }

    // The chart budget (max_charts) says what it left out in a note: the note goes in the caption, within its limit.
    [Fact]
    public async Task Send_ChartBudgetNote_ShownInCaptionWithinLimit()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin(), templates: TextOf(() => new string('x', 700)));
        var channel = context.Create("telegram", Settings(server));
        const string Note = "+3 more charts not drawn (max_charts: 1)";
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false) with { Notes = [Note] };

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal("sendPhoto", message.Method);
        Assert.Contains(Note, message.VisibleText, StringComparison.Ordinal);
        Assert.Contains("xxxx", message.VisibleText, StringComparison.Ordinal);
        Assert.True(message.VisibleText.Length <= FakeTelegramServer.CaptionLimit, $"{message.VisibleText.Length} characters");
    }

    [Theory]
    [InlineData("123456789:AAsomeOtherBotTokenThatTelegramDoesNotKnow0", FailureReason.Auth)]
    public async Task Send_UnknownToken_AuthFailureWithoutTheToken(string token, FailureReason expected)
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", SettingsBuilder.FromPairs(("bot_token", token), ("chat_id", Chat), ("api_url", server.ApiUrl.ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.DoesNotContain(token, result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_GroupUpgradedToSupergroup_InvalidNamingTheNewChatId()
    {
        await using var server = await FakeTelegramServer.StartAsync(Token);
        server.RespondNext(400, """{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876543210}}""");
        using var context = new ChannelTestContext(new TelegramPlugin());
        var channel = context.Create("telegram", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.InvalidRequest, result.Failure);
        Assert.Contains("set chat_id: -1009876543210", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "chat_id", Chat }, "channels.test.bot_token", "BotFather")]
    [InlineData(new[] { "bot_token", "not-a-token", "chat_id", Chat }, "channels.test.bot_token", "BotFather")]
    [InlineData(new[] { "bot_token", Token }, "channels.test.chat_id", "numeric chat id")]
    [InlineData(new[] { "bot_token", Token, "chat_id", "alerts" }, "channels.test.chat_id", "@channelusername")]
    [InlineData(new[] { "bot_token", Token, "chat_id", Chat, "parse_mode", "Markdown" }, "channels.test.parse_mode", "MarkdownV2")]
    [InlineData(new[] { "bot_token", Token, "chat_id", Chat, "message_thread_id", "general" }, "channels.test.message_thread_id", "number")]
    [InlineData(new[] { "bot_token", Token, "chat_id", Chat, "chat", "x" }, "channels.test.chat", "chat_id")]
    public void Create_InvalidSettings_ErrorNamesPathAndFix(string[] pairs, string path, string fixHint)
    {
        using var context = new ChannelTestContext(new TelegramPlugin());
        var section = SettingsBuilder.FromPairs(pairs.Chunk(2).Select(p => (p[0], (object?)p[1])).ToArray());

        var (_, errors) = context.TryCreate("telegram", section);

        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Contains(fixHint, error.Message + " " + error.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, string.Join("\n", errors), StringComparison.Ordinal);
    }
}
