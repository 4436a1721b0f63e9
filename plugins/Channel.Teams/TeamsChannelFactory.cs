using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Teams;

/// <summary>Creates <c>type: teams</c> channels.</summary>
internal sealed class TeamsChannelFactory : ChannelFactory<TeamsOptions>
{
    internal const string HttpClientName = "promoter.channel.teams";

    public override string Type => "teams";

    protected override TeamsOptions? Prepare(ChannelSetup setup) => TeamsOptions.Read(setup.Settings);

    protected override IChannel Build(TeamsOptions options, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Teams");

        // The whole URL is a registered secret; its signature alone is one too (an error may quote just the query).
        var secrets = options.Signature is null ? setup.Settings.Secrets : setup.Settings.Secrets.Append(options.Signature);
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(secrets));
        var builder = new TeamsCardBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        return new TeamsChannel(setup.Name, options, builder, http);
    }
}
