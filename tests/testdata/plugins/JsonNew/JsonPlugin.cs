using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;

namespace TestPlugins;

/// <summary>Reports which Newtonsoft.Json it runs with, to show that two plugins keep their own versions.</summary>
public sealed class JsonNewPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context) =>
        services.AddSingleton<IChannelFactory, JsonNewFactory>();
}

public sealed class JsonNewFactory : IChannelFactory
{
    public string Type => "json-new";

    public IReadOnlyList<Promoter.Abstractions.Configuration.ConfigError> Validate(ChannelSetup setup) => [];

    public IChannel Create(ChannelSetup setup) => new VersionChannel(setup.Name);
}

public sealed class VersionChannel(string name) : IChannel
{
    public string Name => name;

    public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DeliveryResult.Success(
            typeof(Newtonsoft.Json.JsonConvert).Assembly.GetName().Version!.ToString() + " " +
            Newtonsoft.Json.JsonConvert.SerializeObject(new { ok = true })));
}
