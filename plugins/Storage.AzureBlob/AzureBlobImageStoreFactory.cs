using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.AzureBlob;

internal sealed class AzureBlobImageStoreFactory : ImageStoreFactory<AzureBlobStoreOptions>
{
    public override string Type => "azure_blob";

    // A client built from half-read settings would throw: Build only ever sees settings Prepare accepted.
    protected override AzureBlobStoreOptions? Prepare(StoreSetup setup) => AzureBlobStoreOptions.Read(setup.Settings);

    protected override IImageStore Build(AzureBlobStoreOptions options, StoreSetup setup)
    {
        var services = setup.Services;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Storage.AzureBlob");
        return new AzureBlobImageStore(setup.Name, options, time, logger, services.GetService<IHttpClientFactory>());
    }
}
