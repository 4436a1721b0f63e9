using Promoter.Abstractions.Channels;

namespace Promoter.Abstractions.Tests;

public sealed class SecretRedactorTests
{
    private const string DingTalkUrl = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef";
    private const string SlackUrl = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx";
    private const string DiscordUrl = "https://discord.com/api/webhooks/112233445566778899/Zz-0123456789_tokenTOKENtoken";
    private const string TeamsUrl = "https://example.webhook.office.com/webhookb2/0f0f0f0f-1111-2222-3333-444444444444@55555555-6666-7777-8888-999999999999/IncomingWebhook/abcdef0123456789abcdef0123456789/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    private const string UserInfoUrl = "https://alerts:hunter2hunter2@sink.example.com/ingest";

    [Theory]
    // A service that echoes only the path and query (never the whole URL).
    [InlineData(DingTalkUrl, "no such robot: /robot/send?access_token=0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef")]
    [InlineData(DingTalkUrl, "token 0123456789abcdef0123456789abcdef is invalid", "0123456789abcdef0123456789abcdef")]
    [InlineData(SlackUrl, "404 for /services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx")]
    [InlineData(SlackUrl, "channel_not_found (B0BBBBBBB)", "B0BBBBBBB")]
    [InlineData(DiscordUrl, "unknown webhook Zz-0123456789_tokenTOKENtoken", "Zz-0123456789_tokenTOKENtoken")]
    [InlineData(TeamsUrl, "bad connector abcdef0123456789abcdef0123456789", "abcdef0123456789abcdef0123456789")]
    [InlineData(UserInfoUrl, "auth failed for hunter2hunter2", "hunter2hunter2")]
    // A configured secret inside other text, plain and URL-escaped.
    [InlineData("s3cr3t/with+plus", "signature s3cr3t%2Fwith%2Bplus rejected", "s3cr3t")]
    [InlineData("SEC0123456789abcdef", "sign=SEC0123456789abcdef", "SEC0123456789abcdef")]
    public void Redact_SecretPieceInText_Removed(string secret, string text, string mustNotRemain)
    {
        var redacted = new SecretRedactor([secret]).Redact(text);

        Assert.DoesNotContain(mustNotRemain, redacted, StringComparison.Ordinal);
        Assert.Contains("***", redacted, StringComparison.Ordinal);
    }

    [Theory]
    // Credential shapes, whatever their source (no secret configured).
    [InlineData("invalid_auth for xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "xoxb-1234567890")]
    [InlineData("app token xapp-1-A0000000-1234567890-abcdef", "xapp-1-A0000000")]
    [InlineData("GET /robot/send?access_token=feedfacefeedface&timestamp=1", "feedfacefeedface")]
    [InlineData("POST /cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", "693a91f6")]
    [InlineData("cannot reach http://user:pa55word@10.0.0.1/x", "pa55word")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9")]
    [InlineData("posted to https://hooks.slack.com/services/T1/B2/c3c3c3c3c3c3", "c3c3c3c3c3c3")]
    public void Redact_CredentialShape_RemovedWithoutConfiguration(string text, string mustNotRemain)
    {
        var redacted = new SecretRedactor([]).Redact(text);

        Assert.DoesNotContain(mustNotRemain, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SlackUrl, "Slack answered HTTP 404 NotFound: no_service")]
    [InlineData(DingTalkUrl, "DingTalk answered errcode 310000: keywords not in content, errcode=310000")]
    [InlineData(TeamsUrl, "the webhooks endpoint is busy; IncomingWebhook services are down")]
    public void Redact_OrdinaryWordsOfAUrl_Kept(string secret, string text)
    {
        // Path words such as "services", "webhooks", "send" and "robot" are not secrets: messages stay readable.
        Assert.Equal(text, new SecretRedactor([secret]).Redact(text));
    }
}
