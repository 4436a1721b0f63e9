using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Teams.Tests;

public sealed class TeamsConformanceTests : ChannelConformance
{
    private const string Signature = "conformanceTeamsSignature0123456789abcdefgh";

    protected override IPromoterPlugin CreatePlugin() => new TeamsPlugin();

    protected override string ChannelType => "teams";

    protected override IReadOnlyList<string> Secrets => [Signature];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("webhook_url", new Uri(serverBaseUrl, "workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + Signature).ToString()),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("", "text/plain");

    // A workflow trigger reports errors through the status code; 202 means the flow took the request.
    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse => null;
}
