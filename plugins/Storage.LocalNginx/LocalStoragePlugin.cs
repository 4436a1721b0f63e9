using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.LocalNginx;

/// <summary>Registers the <c>type: local</c> image store: files on local disk, served by nginx or by Promoter.</summary>
public sealed class LocalStoragePlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageStoreFactory, LocalImageStoreFactory>());
    }
}
