using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Plugins;

namespace TestPlugins;

/// <summary>A plugin whose registration fails: the host must report it and keep running.</summary>
public sealed class ThrowingPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context) =>
        throw new InvalidOperationException("this plugin refuses to register (deliberately)");
}
