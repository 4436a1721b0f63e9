using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Teams;

/// <summary>Creates <c>type: teams</c> channels.</summary>
internal sealed class TeamsChannelFactory : IChannelFactory
{
    internal const string HttpClientName = "promoter.channel.teams";

    public string Type => "teams";

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = TeamsOptions.Read(setup.Settings);
        if (options is null)
        {
            return new UnconfiguredChannel(setup.Name);
        }

        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Teams");

        // The whole URL is a registered secret; its signature alone is one too (an error may quote just the query).
        var secrets = options.Signature is null ? setup.Settings.Secrets : setup.Settings.Secrets.Append(options.Signature);
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(secrets));
        var builder = new TeamsCardBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        return new TeamsChannel(setup.Name, options, builder, http);
    }

    private sealed class UnconfiguredChannel(string name) : IChannel
    {
        public string Name => name;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Permanent($"channel {name} is not configured correctly; see the configuration errors"));
    }
}
