using Microsoft.Extensions.DependencyInjection;

namespace Promoter.Abstractions.Plugins;

/// <summary>
/// The entry point of a plugin assembly. The host creates the type named by <c>plugin.json</c>
/// (or the only public implementation in the entry assembly) and calls <see cref="Register"/> once at
/// startup. Register factories as singletons:
/// <c>services.AddSingleton&lt;IChannelFactory, MyChannelFactory&gt;()</c>, and default templates as
/// <see cref="Templating.TemplateSource"/> instances.
/// </summary>
public interface IPromoterPlugin
{
    void Register(IServiceCollection services, PluginContext context);
}

/// <summary>What the host tells a plugin while it registers.</summary>
/// <param name="PluginId">The id from the plugin's manifest.</param>
/// <param name="PluginDirectory">The folder the plugin was loaded from (for files shipped beside it).</param>
/// <param name="HostContractVersion">The contract version of the running host.</param>
public sealed record PluginContext(string PluginId, string PluginDirectory, Version HostContractVersion);
