using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;

namespace TestPlugins;

/// <summary>Depends on Newtonsoft.Json; the test deletes that DLL from the folder after building.</summary>
public sealed class MissingDependencyPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context) =>
        services.AddSingleton<IChannelFactory, MissingDependencyFactory>();
}

public sealed class MissingDependencyFactory : IChannelFactory
{
    public string Type => "needs-json";

    public IReadOnlyList<Promoter.Abstractions.Configuration.ConfigError> Validate(ChannelSetup setup) => [];

    public IChannel Create(ChannelSetup setup) => throw new NotSupportedException(Newtonsoft.Json.JsonConvert.ToString(1));
}
