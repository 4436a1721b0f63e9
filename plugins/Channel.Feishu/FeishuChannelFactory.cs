using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Feishu;

/// <summary>Creates <c>type: feishu</c> channels; bots are paced per URL across all of them.</summary>
internal sealed class FeishuChannelFactory : ChannelFactory<FeishuOptions>
{
    internal const string HttpClientName = "promoter.channel.feishu";

    private readonly object _gate = new();
    // Feishu counts a message when it arrives, and arrivals jitter by the network's latency: a message sent exactly
    // one window after the one it replaces can arrive inside that window (the fake Feishu caught it at 5 a second).
    // The windows are therefore padded: 1.2 s and 61 s.
    private static readonly TimeSpan PaddedSecond = TimeSpan.FromMilliseconds(1200);
    private static readonly TimeSpan PaddedMinute = TimeSpan.FromSeconds(61);

    private RobotPacers? _pacers;

    public override string Type => "feishu";

    protected override FeishuOptions? Prepare(ChannelSetup setup) => FeishuOptions.Read(setup.Settings);

    protected override IChannel Build(FeishuOptions options, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Feishu");
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;

        var redactor = new SecretRedactor(setup.Settings.Secrets);
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, redactor);
        var composer = new FeishuMessageComposer(setup.Name, setup.Settings.Path, options, setup.PublicUrl, setup.Templates, logger);
        RobotPacers pacers;
        lock (_gate)
        {
            pacers = _pacers ??= new RobotPacers(time);
        }

        var meter = services.GetService<IMeterFactory>()?.Create("Promoter") ?? new Meter("Promoter");
        var pacingWait = meter.CreateHistogram<double>("promoter_channel_pacing_wait_seconds", "s",
            "How long messages waited for a chat service's rate limit before being sent");
        var app = options.CanUpload ? new FeishuAppClient(setup.Name, options, http, time, logger) : null;
        return new FeishuChannel(setup.Name, options, composer, app, pacers.For(options.BotUrl, [(options.MessagesPerMinute, PaddedMinute), (options.MessagesPerSecond, PaddedSecond)]), http, time, logger, pacingWait);
    }
}
