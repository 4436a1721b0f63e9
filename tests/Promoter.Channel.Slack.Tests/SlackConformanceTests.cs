using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Channel.Slack;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Slack.Tests;

public sealed class SlackBotConformanceTests : ChannelConformance
{
    private const string Token = "xoxb-111-222-conformanceSecretToken";

    protected override IPromoterPlugin CreatePlugin() => new SlackPlugin();

    protected override string ChannelType => "slack";

    protected override IReadOnlyList<string> Secrets => [Token];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("token", Token), ("channel", "C0ALERTS"), ("api_url", serverBaseUrl.ToString()), ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("""{"ok":true,"channel":"C0ALERTS","ts":"1700000000.000100"}""", "application/json");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse =>
        ("""{"ok":false,"error":"invalid_auth"}""", "application/json", FailureReason.Auth);
}

public sealed class SlackWebhookConformanceTests : ChannelConformance
{
    private const string WebhookSecret = "whSecretPathSegment0123456789";

    protected override IPromoterPlugin CreatePlugin() => new SlackPlugin();

    protected override string ChannelType => "slack";

    protected override IReadOnlyList<string> Secrets => [WebhookSecret];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("webhook_url", new Uri(serverBaseUrl, "services/T000/B000/" + WebhookSecret).ToString()), ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("ok", "text/plain");

    // Incoming webhooks report errors through the status code, never on a 200.
    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse => null;
}
