using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Slack;

/// <summary>Creates <c>type: slack</c> channels; posts to one Slack channel are paced across all of them.</summary>
internal sealed class SlackChannelFactory : ChannelFactory<SlackOptions>
{
    internal const string HttpClientName = "promoter.channel.slack";

    private readonly object _gate = new();
    private SlackPacer? _pacer;

    public override string Type => "slack";

    protected override SlackOptions? Prepare(ChannelSetup setup) => SlackOptions.Read(setup.Settings);

    protected override IChannel Build(SlackOptions options, ChannelSetup setup)
    {
        var services = setup.Services;

        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Slack");
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(setup.Settings.Secrets));
        var builder = new SlackMessageBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        SlackPacer pacer;
        lock (_gate)
        {
            pacer = _pacer ??= new SlackPacer(time);
        }

        return new SlackChannel(setup.Name, options, builder, http, pacer, time, logger);
    }
}
