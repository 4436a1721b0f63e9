using System.Security.Cryptography;
using System.Text;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.WeCom.Tests;

/// <summary>The WeCom channel, with its shipped templates on the real engine, against the fake robot (which checks what WeCom checks).</summary>
public sealed class WeComChannelTests
{
    private const string Key = "b5e0c1d2-robot-key-42";

    private static SettingsMapping Section(FakeWeComServer server, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("url", server.RobotUrl.ToString()), .. extra]);

    private static ChannelTestContext Context(TimeProvider? clock = null) =>
        new(new WeComPlugin(), clock, new RealTemplateRenderer([WeComPlugin.DefaultTemplates()]));

    [Fact]
    public async Task Send_FiringWithPrivateChart_MarkdownThenImageMessageWithMd5()
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server));
        Assert.True(channel.UploadsImages);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["markdown", "image"], server.Messages.Select(m => m.MsgType));
        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", server.Messages[0].Content, StringComparison.Ordinal);
        Assert.DoesNotContain("charts/0.png", server.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal(AlertGroupSamples.TinyPng.ToArray(), server.Messages[1].ImageBytes);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(AlertGroupSamples.TinyPng.Span)), server.Messages[1].ImageMd5);
        Assert.All(server.Requests, r => Assert.NotNull(r.Header("Content-Length")));
    }

    [Theory]
    [InlineData("upload", true)]
    [InlineData("link", false)]
    public async Task Send_ChartWithPublicUrl_LinkedInTheMarkdown(string images, bool uploads)
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server, ("images", images)));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: true);
        // The host gives no bytes for a public URL.
        notification = notification with { Images = notification.Images.Select(i => i with { Content = default }).ToList() };

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(uploads, channel.UploadsImages);
        var message = Assert.Single(server.Messages);
        Assert.Contains("(https://images.example.com/charts/0.png)", message.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ImageOver2MB_SkippedWithWarningAndTextStillSent()
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server));
        var big = new byte[WeComOptions.MaxImageBytes + 1];
        AlertGroupSamples.TinyPng.CopyTo(big);
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false);
        notification = notification with { Images = [notification.Images[0] with { Content = big }] };

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["markdown"], server.Messages.Select(m => m.MsgType));
        Assert.Contains("2 MB", context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WrongKey_Permanent93000WithoutTheKey()
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", SettingsBuilder.FromPairs(("url", new Uri(server.BaseUrl, "cgi-bin/webhook/send?key=wrong-key-000").ToString())));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Permanent, result.Failure);
        Assert.Contains("93000", result.Message, StringComparison.Ordinal);
        Assert.Contains("url", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-000", result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-000", context.Logs.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("en")]
    public async Task Send_OverMarkdownLimit_SplitAtAlertBoundariesEachUnder4096Bytes(string lang)
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server, ("lang", lang)));
        var group = AlertGroupSamples.Many(12, descriptionLength: 400);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.True(server.Messages.Count > 1);
        Assert.All(server.Messages, m => Assert.True(Encoding.UTF8.GetByteCount(m.Content) <= FakeWeComServer.MaxMarkdownBytes));
        var all = string.Concat(server.Messages.Select(m => m.Content));
        for (var i = 0; i < 12; i++)
        {
            // Every alert is in exactly one part.
            Assert.Equal(1, CountOf(all, $"disk {i} almost full"));
        }

        Assert.DoesNotContain(40058, server.Answers);
    }

    [Fact]
    public async Task Send_FasterThan20AMinute_ServiceSays45009_RateLimitedAndSendersHeld()
    {
        var clock = new ManualTimeProvider();
        await using var server = await FakeWeComServer.StartAsync(Key, clock);
        // Two Promoter processes (two contexts: two pacers) on one robot: together they go over 20 a minute.
        using var a = Context(clock);
        using var b = Context(clock);
        var first = a.Create("wecom", Section(server, ("max_queue_wait", "0s")));
        var second = b.Create("wecom", Section(server, ("max_queue_wait", "0s")));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle);
        for (var i = 0; i < 20; i++)
        {
            Assert.True((await (i < 10 ? first : second).SendAsync(notification, CancellationToken.None)).IsSuccess);
        }

        var over = await first.SendAsync(notification, CancellationToken.None);
        var held = await first.SendAsync(notification, CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, over.Failure);
        Assert.Equal(TimeSpan.FromMinutes(1), over.RetryAfter);
        Assert.Equal(45009, server.Answers[^1]);
        Assert.Equal(FailureReason.RateLimited, held.Failure);
        Assert.Equal(21, server.Requests.Count);
    }

    [Fact]
    public async Task Send_MoreThan20InAMinute_PacedByTheChannelNever45009()
    {
        var clock = new ManualTimeProvider();
        await using var server = await FakeWeComServer.StartAsync(Key, clock);
        using var context = Context(clock);
        var channel = context.Create("wecom", Section(server, ("max_queue_wait", "2m")));
        Assert.Equal(new ChannelRateLimit(20, TimeSpan.FromMinutes(1)), channel.RateLimit);
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle);
        for (var i = 0; i < 20; i++)
        {
            Assert.True((await channel.SendAsync(notification, CancellationToken.None)).IsSuccess);
        }

        var queued = channel.SendAsync(notification, CancellationToken.None).AsTask();
        await Eventually.HoldsAsync(() => Task.FromResult(clock.PendingTimers > 0), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), () => "the send never waited for the pacer");
        Assert.False(queued.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));
        var result = await queued.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(21, server.Messages.Count);
        Assert.DoesNotContain(45009, server.Answers);
    }

    [Fact]
    public async Task Send_FailedAfterFirstMessage_RetryResumesWithoutRepeating()
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false);
        server.FailNext(-1, "system busy", after: 1);

        var failed = await channel.SendAsync(notification, CancellationToken.None);

        Assert.Equal(FailureReason.Transient, failed.Failure);
        Assert.Equal("wecom-sent:1/2", failed.ResumeToken);
        var retry = await channel.SendAsync(notification with { ResumeToken = failed.ResumeToken, Attempt = 2 }, CancellationToken.None);
        Assert.True(retry.IsSuccess, retry.ToString());
        Assert.Equal(["markdown", "image"], server.Messages.Select(m => m.MsgType));
    }

    [Fact]
    public async Task Send_MentionsFromLabelAndConfig_UserIdsInMarkdownMobilesInText()
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server, ("mention_label", "owner"), ("mentioned_list", new[] { "lisi" })));
        var group = WithOwner(AlertGroupSamples.FiringSingle, "13800000001, zhangsan");

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["markdown", "text"], server.Messages.Select(m => m.MsgType));
        Assert.Contains("<@lisi> <@zhangsan>", server.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal(["13800000001"], server.Messages[1].MentionedMobileList);
        Assert.Empty(server.Messages[1].MentionedList);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task Send_Resolved_MentionsOnlyWithMentionOnResolved(bool onResolved, int messages)
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server, ("mention_label", "owner"), ("mentioned_mobile_list", new[] { "@all" }),
            ("mention_on_resolved", onResolved)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(WithOwner(AlertGroupSamples.Resolved, "zhangsan")), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(messages, server.Messages.Count);
        Assert.Equal(onResolved, server.Messages[0].Content.Contains("<@zhangsan>", StringComparison.Ordinal));
        if (onResolved)
        {
            Assert.Equal(["@all"], server.Messages[1].MentionedList);
        }
    }

    [Theory]
    [InlineData("zh", "告警风暴汇总</font>：3 组通知，5 条告警", "其余告警")]
    [InlineData("en", "Alert storm digest</font>: 3 notifications, 5 alerts", "Other alerts")]
    public async Task Send_Digest_RendersDigestTemplateWithCountsAndOthers(string lang, string heading, string others)
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server, ("lang", lang)));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle) with { Digest = SampleDigest() };

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var text = Assert.Single(server.Messages).Content;
        Assert.Contains(heading, text, StringComparison.Ordinal);
        Assert.Contains("**DiskFull**", text, StringComparison.Ordinal);
        Assert.Contains(others, text, StringComparison.Ordinal);
        Assert.Contains("[DiskFull](https://promoter.example.com/alerts/00000000000000a1)", text, StringComparison.Ordinal);
        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_DigestWithCustomDigestTemplate_UsesItAndSeesDigest()
    {
        await using var server = await FakeWeComServer.StartAsync(Key);
        using var context = Context();
        var channel = context.Create("wecom", Section(server, ("digest_template", new (string, object?)[] { ("text", "storm {{ .Digest.Alerts }}/{{ .Digest.ChartsOmitted }}") })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle) with { Digest = SampleDigest() }, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("storm 5/2", Assert.Single(server.Messages).Content);
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

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
