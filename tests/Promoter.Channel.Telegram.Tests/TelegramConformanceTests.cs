using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Telegram.Tests;

public sealed class TelegramConformanceTests : ChannelConformance
{
    private const string Token = "987654321:AAconformanceSecretTelegramToken_abcdef";

    protected override IPromoterPlugin CreatePlugin() => new TelegramPlugin();

    protected override string ChannelType => "telegram";

    protected override IReadOnlyList<string> Secrets => [Token];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("bot_token", Token), ("chat_id", "-1001234567890"), ("api_url", serverBaseUrl.ToString()), ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse =>
        ("""{"ok":true,"result":{"message_id":42,"date":1700000000,"chat":{"id":-1001234567890,"type":"supergroup"}}}""", "application/json");

    // The Bot API reports errors with the matching HTTP status, but a proxy or an old deployment may say it on a 200.
    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse =>
        ("""{"ok":false,"error_code":401,"description":"Unauthorized"}""", "application/json", FailureReason.Auth);
}
