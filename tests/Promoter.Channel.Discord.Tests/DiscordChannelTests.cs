using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Discord.Tests;

/// <summary>The Discord channel against the fake webhook, which checks what Discord checks.</summary>
public sealed class DiscordChannelTests
{
    private static SettingsMapping Settings(FakeDiscordServer server, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("webhook_url", server.WebhookUrl.ToString()), .. extra]);

    private static FakeTemplateRenderer TextOf(Func<string> text) =>
        new FakeTemplateRenderer().Map(DiscordOptions.DefaultTextTemplate, _ => text());

    private static Notification WithImages(Notification n, Func<NotificationImage, NotificationImage> change) =>
        n with { Images = n.Images.Select(change).ToList() };

    [Fact]
    public async Task Send_PrivateChart_OneMultipartRequestWithPayloadJsonAndFile()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.True(channel.UploadsImages);
        var call = Assert.Single(server.Calls);
        Assert.StartsWith("multipart/form-data", call.Request.Header("content-type"), StringComparison.Ordinal);
        Assert.NotNull(call.Request.Header("content-length"));
        Assert.Contains("?wait=true", call.Request.PathAndQuery, StringComparison.Ordinal);
        var message = Assert.Single(server.Messages);
        Assert.Equal(message.Id, result.MessageId);
        var file = Assert.Single(message.Files);
        Assert.Equal(0, file.Index);
        Assert.Equal(AlertGroupSamples.TinyPng.ToArray(), file.Content);
        var embed = message.Payload["embeds"]![0]!;
        Assert.Equal("attachment://" + file.FileName, embed["image"]!["url"]!.GetValue<string>());
        Assert.Equal(0xE01E5A, embed["color"]!.GetValue<int>());
        Assert.Equal("http://vm:19090/graph?g0.expr=scrape_duration_seconds%7Bjob%3D%22prometheus%22%7D+%3E+1e-06&g0.tab=1", embed["url"]!.GetValue<string>());
        Assert.Equal(["Status", "Firing", "Resolved", "Severity"], embed["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Contains("[Silence](http://vm:19093/#/silences/new?filter=", embed["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(message.Payload["allowed_mentions"]!["parse"]!.AsArray());
    }

    [Fact]
    public async Task Send_PublicChartsWithoutBytes_JsonBodyWithImageUrls()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", Settings(server));
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.Many(2), withImages: true), i => i with { Content = ReadOnlyMemory<byte>.Empty });

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.StartsWith("application/json", Assert.Single(server.Calls).Request.Header("content-type"), StringComparison.Ordinal);
        var message = Assert.Single(server.Messages);
        Assert.Empty(message.Files);
        Assert.Equal(["https://images.example.com/charts/0.png", "https://images.example.com/charts/1.png"],
            message.Payload["embeds"]!.AsArray().Select(e => e!["image"]!["url"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(1, 10_000)]
    [InlineData(12, 100)]
    [InlineData(30, 3_000)]
    public async Task Send_LargeGroups_WithinEveryEmbedLimit(int alerts, int textLength)
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin(), templates: TextOf(() => new string('x', textLength)));
        var channel = context.Create("discord", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Many(alerts), withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        var embeds = message.Payload["embeds"]!.AsArray();
        Assert.Equal(Math.Min(alerts, 10), embeds.Count);
        Assert.Equal(Math.Min(alerts, 10), message.Files.Count);
        if (alerts > 10)
        {
            Assert.Contains("at most 10 embeds", embeds[0]!["footer"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_EverythingLong_TextCutSoAllEmbedsStayWithin6000Characters()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin(), templates: TextOf(() => new string('x', 10_000)));
        var channel = context.Create("discord", Settings(server));
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.Many(10), withImages: true, publicImages: false), i => i with { Title = new string('t', 400) })
            with { Notes = [new string('n', 3000)] };

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var embeds = Assert.Single(server.Messages).Payload["embeds"]!.AsArray();
        var total = embeds.Sum(e => (e!["title"]?.GetValue<string>().Length ?? 0) + (e["description"]?.GetValue<string>().Length ?? 0)
            + (e["footer"]?["text"]?.GetValue<string>().Length ?? 0) + (e["fields"]?.AsArray().Sum(f => f!["name"]!.GetValue<string>().Length + f["value"]!.GetValue<string>().Length) ?? 0));
        Assert.InRange(total, 5900, 6000);
    }

    [Fact]
    public async Task Send_ChartsOverUploadLimit_LeftOutWithNote()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", Settings(server, ("max_upload_bytes", "2KiB")));
        var big = new byte[1500];
        AlertGroupSamples.TinyPng.Span.CopyTo(big);
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.Many(2), withImages: true, publicImages: false), i => i with { Content = big });

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Single(message.Files);
        Assert.Contains("DiskFull chart 1\" not attached: over the webhook's upload limit", message.Payload["embeds"]![0]!["footer"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WebhookRateLimit_RateLimitedWithFractionalRetryAfterFromBody()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        server.EnforceRateLimit = true;
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", Settings(server));

        var results = new List<DeliveryResult>();
        for (var i = 0; i < 6; i++)
        {
            results.Add(await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None));
        }

        Assert.All(results.Take(5), r => Assert.True(r.IsSuccess, r.ToString()));
        var limited = results[5];
        Assert.Equal(FailureReason.RateLimited, limited.Failure);
        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));
        Assert.NotEqual(0, limited.RetryAfter.Value.Milliseconds + limited.RetryAfter.Value.Microseconds);
    }

    [Fact]
    public async Task Send_ThreadId_PostedInThread()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", Settings(server, ("thread_id", "1190000000000000007"), ("username", "Promoter")));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var message = Assert.Single(server.Messages);
        Assert.Equal("1190000000000000007", message.ThreadId);
        Assert.Equal("Promoter", message.Payload["username"]!.GetValue<string>());
        Assert.Equal(0x2EB67D, message.Payload["embeds"]![0]!["color"]!.GetValue<int>());
        Assert.DoesNotContain("Silence", message.PayloadJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/webhooks/1180000000000000009/", FailureReason.Permanent, "webhook was deleted")]
    [InlineData("api/webhooks/1180000000000000001/", FailureReason.Auth, "Invalid Webhook Token")]
    public async Task Send_UnknownWebhookOrToken_ClassifiedWithoutTheToken(string path, FailureReason expected, string message)
    {
        const string token = "someOtherDiscordWebhookToken_0123456789abcdef";
        await using var server = await FakeDiscordServer.StartAsync();
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", SettingsBuilder.FromPairs(("webhook_url", new Uri(server.BaseUrl, path + token).ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, result.ToString() + context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_InvalidFormBody_InvalidRequestQuotingDiscordsError()
    {
        await using var server = await FakeDiscordServer.StartAsync();
        server.RespondNext(400, """{"code":50035,"errors":{"embeds":{"0":{"description":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 4096 or fewer in length."}]}}}},"message":"Invalid Form Body"}""");
        using var context = new ChannelTestContext(new DiscordPlugin());
        var channel = context.Create("discord", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.InvalidRequest, result.Failure);
        Assert.Contains("Invalid Form Body", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "channels.test.webhook_url", "Copy Webhook URL")]
    [InlineData(new[] { "webhook_url", "https://discord.com/channels/1/2" }, "channels.test.webhook_url", "Copy Webhook URL")]
    [InlineData(new[] { "webhook_url", "https://discord.com/api/webhooks/1/tokentokentokentokentoken", "username", "My Discord Bot" }, "channels.test.username", "discord")]
    [InlineData(new[] { "webhook_url", "https://discord.com/api/webhooks/1/tokentokentokentokentoken", "thread_id", "general" }, "channels.test.thread_id", "Thread ID")]
    [InlineData(new[] { "webhook_url", "https://discord.com/api/webhooks/1/tokentokentokentokentoken", "max_upload_bytes", "lots" }, "channels.test.max_upload_bytes", "")]
    public void Create_InvalidSettings_ErrorNamesPathAndFix(string[] pairs, string path, string fixHint)
    {
        using var context = new ChannelTestContext(new DiscordPlugin());
        var section = SettingsBuilder.FromPairs(pairs.Chunk(2).Select(p => (p[0], (object?)p[1])).ToArray());

        var (_, errors) = context.TryCreate("discord", section);

        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Contains(fixHint, error.Message + " " + error.Fix, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
        Assert.DoesNotContain("tokentokentoken", string.Join("\n", errors), StringComparison.Ordinal);
    }
}
