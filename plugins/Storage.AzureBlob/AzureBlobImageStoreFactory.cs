using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.AzureBlob;

internal sealed class AzureBlobImageStoreFactory : IImageStoreFactory
{
    public string Type => "azure_blob";

    public IImageStore Create(StoreSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = AzureBlobStoreOptions.Read(setup.Settings);
        var services = setup.Services;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Storage.AzureBlob");
        if (setup.Settings.Diagnostics.HasErrors)
        {
            // The host refuses to start with configuration errors; a client built from half-read settings would throw.
            return new UnconfiguredImageStore(setup.Name);
        }

        return new AzureBlobImageStore(setup.Name, options, time, logger, services.GetService<IHttpClientFactory>());
    }

    /// <summary>Stands in for a store whose settings have errors; the host reports those and never uses it.</summary>
    private sealed class UnconfiguredImageStore(string name) : IImageStore
    {
        public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"image store '{name}' has configuration errors");
    }
}
