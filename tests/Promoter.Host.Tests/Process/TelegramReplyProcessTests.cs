using System.Net;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Process;

/// <summary>
/// The Telegram channel in the real process: the firing message's id goes into the delivery history, and the
/// resolved notification of the same group, a separate webhook later, replies to it.
/// </summary>
public sealed class TelegramReplyProcessTests
{
    private const string Token = "123456789:AAprocessTelegramBotToken_0123456789";

    [Fact]
    public async Task Resolved_AfterFiring_RepliesToTheFiringMessageFromHistory()
    {
        await using var telegram = await FakeTelegramServer.StartAsync(Token);
        await using var promoter = await PromoterProcess.StartAsync($$"""
            channels:
              tg: { type: telegram, bot_token: "{{Token}}", chat_id: "-1001234567890", api_url: "{{telegram.ApiUrl}}" }
            receivers:
              - name: ops
                channels: [tg]
            """);

        using var firing = await promoter.PostWebhookAsync("ops", File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json")));
        Assert.Equal(HttpStatusCode.OK, firing.StatusCode);
        await promoter.WaitUntilAsync(() => telegram.Messages.Count >= 1, TimeSpan.FromSeconds(60), "the firing message");
        using var resolved = await promoter.PostWebhookAsync("ops", File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "resolved.json")));
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        await promoter.WaitUntilAsync(() => telegram.Messages.Count >= 2, TimeSpan.FromSeconds(60), "the resolved message");

        var messages = telegram.Messages;
        Assert.Equal(2, messages.Count);
        Assert.Null(messages[0].ReplyTo);
        Assert.Contains("[FIRING", messages[0].VisibleText, StringComparison.Ordinal);
        Assert.Equal(messages[0].Id, messages[1].ReplyTo);
        Assert.Contains("[RESOLVED]", messages[1].VisibleText, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, promoter.Output, StringComparison.Ordinal);
    }
}
