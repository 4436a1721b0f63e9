using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.DingTalk;

/// <summary>Creates <c>type: dingtalk</c> channels; robots are paced per URL across all of them.</summary>
internal sealed class DingTalkChannelFactory : ChannelFactory<DingTalkOptions>
{
    internal const string HttpClientName = "promoter.channel.dingtalk";

    private readonly object _gate = new();
    private RobotPacers? _pacers;

    public override string Type => "dingtalk";

    protected override DingTalkOptions? Prepare(ChannelSetup setup) => DingTalkOptions.Read(setup.Settings);

    protected override IChannel Build(DingTalkOptions options, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.DingTalk");
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;

        var redactor = new SecretRedactor(setup.Settings.Secrets);
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, redactor);
        var composer = new DingTalkMessageComposer(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        RobotPacers pacers;
        lock (_gate)
        {
            pacers = _pacers ??= new RobotPacers(time);
        }

        var meter = services.GetService<IMeterFactory>()?.Create("Promoter") ?? new Meter("Promoter");
        var pacingWait = meter.CreateHistogram<double>("promoter_channel_pacing_wait_seconds", "s",
            "How long messages waited for a chat service's rate limit before being sent");
        return new DingTalkChannel(setup.Name, options, composer, pacers.For(options.RobotUrl, options.MessagesPerMinute), http, time, logger, pacingWait);
    }
}
