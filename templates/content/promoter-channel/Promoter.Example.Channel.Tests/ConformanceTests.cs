using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.Channels;

namespace Promoter.Example.Channel.Tests;

/// <summary>
/// The checks every built-in channel passes (Promoter.Plugins.Testing): every HTTP status class classified, 429 with
/// and without Retry-After, a server that never answers, a refused connection, caller cancellation, valid settings
/// without errors, and no secret in any result or log line.
/// </summary>
public sealed class ConformanceTests : ChannelConformance
{
    private const string Token = "tk_secret_token_0123456789";

    protected override IPromoterPlugin CreatePlugin() => new EntryPoint();

    protected override string ChannelType => "exampletype";

    protected override IReadOnlyList<string> Secrets => [Token];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("url", new Uri(serverBaseUrl, "hooks/abc").ToString()),
        ("token", Token),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse => ("""{"ok":true}""", "application/json");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse => null;
}
