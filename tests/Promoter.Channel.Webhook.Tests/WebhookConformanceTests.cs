using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Channel.Webhook;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Webhook.Tests;

public sealed class WebhookConformanceTests : ChannelConformance
{
    private const string Bearer = "webhookBearerSecret0123456789";
    private const string HeaderSecret = "headerSecretValue0123456789";
    private const string UrlToken = "urlTokenSecret0123456789";

    protected override IPromoterPlugin CreatePlugin() => new WebhookPlugin();

    protected override string ChannelType => "webhook";

    protected override IReadOnlyList<string> Secrets => [Bearer, HeaderSecret, UrlToken];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("url", new Uri(serverBaseUrl, "ingest?token=" + UrlToken).ToString()),
        ("bearer_token", Bearer),
        ("headers", new Dictionary<string, string> { ["X-Gateway-Token"] = HeaderSecret }),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("Request received", "text/plain");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse => null;
}
