using Promoter.Abstractions.Configuration;
using Promoter.Plugins.Sdk;

namespace Promoter.Example.Channel;

/// <summary>The settings of one <c>type: exampletype</c> channel.</summary>
internal sealed record JsonChannelOptions
{
    public required Uri Url { get; init; }
    public string? Token { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads every key (an unread key is reported as unknown) and reports every problem; null when unusable.</summary>
    public static JsonChannelOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("url", required: true, fix: "write the service's URL, such as url: https://example.com/hooks/abc (or url_file)");
        var token = s.GetSecret("token");
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        return url is null ? null : new JsonChannelOptions { Url = url, Token = token, Timeout = timeout };
    }

    /// <summary>Never prints the URL or the token.</summary>
    public override string ToString() => $"timeout={Timeout}";
}
