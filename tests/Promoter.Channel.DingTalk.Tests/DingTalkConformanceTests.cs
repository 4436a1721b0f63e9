using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Channel.DingTalk;
using Promoter.Testing.Channels;

namespace Promoter.Channel.DingTalk.Tests;

public sealed class DingTalkConformanceTests : ChannelConformance
{
    private const string Token = "conformanceAccessToken0123456789abcdef";
    private const string Secret = "SECconformanceSigningSecret0123456789";

    protected override IPromoterPlugin CreatePlugin() => new DingTalkPlugin();

    protected override string ChannelType => "dingtalk";

    protected override IReadOnlyList<string> Secrets => [Token, Secret];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("url", new Uri(serverBaseUrl, "robot/send?access_token=" + Token).ToString()),
        ("secret", Secret),
        ("at_mobiles", new[] { "13800000000" }),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("""{"errcode":0,"errmsg":"ok"}""", "application/json");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse =>
        ("""{"errcode":310000,"errmsg":"sign not match"}""", "application/json", FailureReason.Auth);
}
