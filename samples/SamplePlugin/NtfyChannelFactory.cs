using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;

namespace Promoter.Sample.Ntfy;

/// <summary>Creates <c>type: ntfy</c> channels. Problems are reported through the settings, never thrown.</summary>
internal sealed class NtfyChannelFactory : IChannelFactory
{
    internal const string HttpClientName = "example.channel.ntfy";

    private static readonly Lazy<HttpClient> FallbackClient = new(() => new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan });

    public string Type => "ntfy";

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = NtfyOptions.Read(setup.Settings);
        if (options is null)
        {
            // The host refuses the configuration anyway; this instance is never used.
            return new UnconfiguredChannel(setup.Name);
        }

        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Example.Channel.Ntfy");
        var title = Compile(setup, "title", options.TitleTemplate, options.TemplateProfile);
        var text = Compile(setup, "text", options.TextTemplate, options.TemplateProfile);
        var http = services.GetService<IHttpClientFactory>()?.CreateClient(HttpClientName) ?? FallbackClient.Value;
        return new NtfyChannel(setup.Name, options, title, text, http, logger);
    }

    /// <summary>A template that does not parse is a configuration error, reported with its line and column.</summary>
    private static ICompiledTemplate? Compile(ChannelSetup setup, string key, string text, string profile)
    {
        try
        {
            return setup.Templates.Compile(setup.Settings.PathOf("template." + key), text, profile);
        }
        catch (TemplateException e)
        {
            setup.Settings.AddError("template", e.Message, "fix the template text");
            return null;
        }
    }

    private sealed class UnconfiguredChannel(string name) : IChannel
    {
        public string Name => name;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Permanent($"channel {name} is not configured correctly; see the configuration errors"));
    }
}
