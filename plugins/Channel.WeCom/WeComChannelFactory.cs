using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.WeCom;

/// <summary>Creates <c>type: wecom</c> channels; robots are paced per URL across all of them.</summary>
internal sealed class WeComChannelFactory : ChannelFactory<WeComOptions>
{
    internal const string HttpClientName = "promoter.channel.wecom";

    private readonly object _gate = new();
    private RobotPacers? _pacers;

    public override string Type => "wecom";

    protected override WeComOptions? Prepare(ChannelSetup setup) => WeComOptions.Read(setup.Settings);

    protected override IChannel Build(WeComOptions options, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.WeCom");
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;

        var redactor = new SecretRedactor(setup.Settings.Secrets);
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, redactor);
        var composer = new WeComMessageComposer(setup.Name, setup.Settings.Path, options, setup.PublicUrl, setup.Templates, logger);
        RobotPacers pacers;
        lock (_gate)
        {
            pacers = _pacers ??= new RobotPacers(time);
        }

        var meter = services.GetService<IMeterFactory>()?.Create("Promoter") ?? new Meter("Promoter");
        var pacingWait = meter.CreateHistogram<double>("promoter_channel_pacing_wait_seconds", "s",
            "How long messages waited for a chat service's rate limit before being sent");
        return new WeComChannel(setup.Name, options, composer, pacers.For(options.RobotUrl, options.MessagesPerMinute), http, time, logger, pacingWait);
    }
}
