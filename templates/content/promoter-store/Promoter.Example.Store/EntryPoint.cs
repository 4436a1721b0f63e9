using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Storage;

namespace Promoter.Example.Store;

/// <summary>The plugin's entry point, the only public type: registers the store factory.</summary>
public sealed class EntryPoint : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IImageStoreFactory, PutImageStoreFactory>();
        // Upload URLs may carry tokens: keep the HTTP client's own logging off.
        services.AddHttpClient(PutImageStoreFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
    }
}
