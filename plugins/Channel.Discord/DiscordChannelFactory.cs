using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Discord;

/// <summary>Creates <c>type: discord</c> channels.</summary>
internal sealed class DiscordChannelFactory : IChannelFactory
{
    internal const string HttpClientName = "promoter.channel.discord";

    public string Type => "discord";

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = DiscordOptions.Read(setup.Settings);
        if (options is null)
        {
            return new UnconfiguredChannel(setup.Name);
        }

        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Discord");

        // The whole URL is a registered secret; its token segment alone is one too (an error may quote just the path).
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(setup.Settings.Secrets.Append(options.WebhookToken)));
        var builder = new DiscordMessageBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        return new DiscordChannel(setup.Name, options, builder, http);
    }

    private sealed class UnconfiguredChannel(string name) : IChannel
    {
        public string Name => name;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Permanent($"channel {name} is not configured correctly; see the configuration errors"));
    }
}
