using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.S3;

/// <summary>Registers the <c>type: s3</c> image store for S3-compatible services (AWS, Alibaba OSS, MinIO, R2, Ceph).</summary>
public sealed class S3StoragePlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageStoreFactory, S3ImageStoreFactory>());
    }
}
