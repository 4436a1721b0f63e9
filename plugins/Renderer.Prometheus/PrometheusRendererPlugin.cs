using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Rendering;

namespace Promoter.Renderer.Prometheus;

/// <summary>Registers the <c>type: prometheus</c> renderer.</summary>
public sealed class PrometheusRendererPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IAlertRendererFactory, PrometheusRendererFactory>();
    }
}
