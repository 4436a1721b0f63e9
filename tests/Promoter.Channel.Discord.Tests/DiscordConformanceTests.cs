using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Discord.Tests;

public sealed class DiscordConformanceTests : ChannelConformance
{
    private const string WebhookToken = "conformanceDiscordWebhookSecret_0123456789abcdef";

    protected override IPromoterPlugin CreatePlugin() => new DiscordPlugin();

    protected override string ChannelType => "discord";

    protected override IReadOnlyList<string> Secrets => [WebhookToken];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("webhook_url", new Uri(serverBaseUrl, "api/webhooks/1180000000000000001/" + WebhookToken).ToString()), ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("""{"id":"1200000000000000001","type":0,"content":""}""", "application/json");

    // Discord reports every error through the status code; a 2xx is a delivered message.
    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse => null;
}
