using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Rendering;

namespace Promoter.Renderer.Grafana;

/// <summary>Registers the <c>type: grafana</c> renderer.</summary>
public sealed class GrafanaRendererPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IAlertRendererFactory, GrafanaRendererFactory>();
    }
}
