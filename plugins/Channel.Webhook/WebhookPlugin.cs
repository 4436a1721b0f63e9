using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;

namespace Promoter.Channel.Webhook;

/// <summary>The generic webhook channel (<c>type: webhook</c>).</summary>
public sealed class WebhookPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, WebhookChannelFactory>();

        // Sink URLs may carry tokens: keep IHttpClientFactory from logging URLs.
        services.AddHttpClient(WebhookChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }
}
