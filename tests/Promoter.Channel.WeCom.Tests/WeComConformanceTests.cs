using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.Channels;

namespace Promoter.Channel.WeCom.Tests;

public sealed class WeComConformanceTests : ChannelConformance
{
    private const string Key = "693a91f6-conformance-7xx1-key0123456789";

    protected override IPromoterPlugin CreatePlugin() => new WeComPlugin();

    protected override string ChannelType => "wecom";

    protected override IReadOnlyList<string> Secrets => [Key];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("url", new Uri(serverBaseUrl, "cgi-bin/webhook/send?key=" + Key).ToString()),
        ("mentioned_mobile_list", new[] { "13800000000" }),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("""{"errcode":0,"errmsg":"ok"}""", "application/json");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse =>
        ("""{"errcode":45009,"errmsg":"api freq out of limit"}""", "application/json", FailureReason.RateLimited);
}
