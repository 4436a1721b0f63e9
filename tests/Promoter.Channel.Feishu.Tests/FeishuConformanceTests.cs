using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Feishu.Tests;

public sealed class FeishuConformanceTests : ChannelConformance
{
    private const string Token = "0f2a9c1e-conformance-bot-token-1234";
    private const string Secret = "conformanceFeishuSigningSecret01";

    protected override IPromoterPlugin CreatePlugin() => new FeishuPlugin();

    protected override string ChannelType => "feishu";

    protected override IReadOnlyList<string> Secrets => [Token, Secret];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("url", new Uri(serverBaseUrl, "open-apis/bot/v2/hook/" + Token).ToString()),
        ("secret", Secret),
        ("at_user_ids", new[] { "ou_0123456789abcdef" }),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("""{"code":0,"msg":"success","data":{}}""", "application/json");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse =>
        ("""{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time","data":{}}""", "application/json", FailureReason.Auth);
}
