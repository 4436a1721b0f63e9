using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.AzureBlob;

/// <summary>Registers the <c>type: azure_blob</c> image store for Azure Blob Storage (and Azurite).</summary>
public sealed class AzureBlobStoragePlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageStoreFactory, AzureBlobImageStoreFactory>());
    }
}
