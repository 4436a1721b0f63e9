using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Discord;

/// <summary>Creates <c>type: discord</c> channels.</summary>
internal sealed class DiscordChannelFactory : ChannelFactory<DiscordOptions>
{
    internal const string HttpClientName = "promoter.channel.discord";

    public override string Type => "discord";

    protected override DiscordOptions? Prepare(ChannelSetup setup) => DiscordOptions.Read(setup.Settings);

    protected override IChannel Build(DiscordOptions options, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Discord");

        // The whole URL is a registered secret; its token segment alone is one too (an error may quote just the path).
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(setup.Settings.Secrets.Append(options.WebhookToken)));
        var builder = new DiscordMessageBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        return new DiscordChannel(setup.Name, options, builder, http);
    }
}
