using Promoter.Abstractions.Storage;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Storage.AzureBlob.Tests;

/// <summary>The shared store conformance facts against Azurite, through SAS links fetched over HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobImageStoreConformanceTests : ImageStoreConformance, IDisposable
{
    private readonly AzuriteServer _azurite;
    private readonly IImageStore _store;

    public AzureBlobImageStoreConformanceTests(AzuriteServer azurite)
    {
        _azurite = azurite;
        _store = new StoreSetupBuilder()
            .Set("account_url", azurite.AccountUrl.ToString())
            .Set("account_key", AzuriteServer.AccountKey)
            .Set("container", "conformance")
            .Set("max_size", "1MiB")
            .Create(new AzureBlobImageStoreFactory());
    }

    protected override long MaxBytes => 1024 * 1024;

    protected override IImageStore Store => _store;

    protected override async Task<FetchedImage> FetchAsync(StoredImage image)
    {
        using var response = await _azurite.Http.GetAsync(image.Url);
        return new FetchedImage((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(),
            response.Content.Headers.ContentType?.MediaType);
    }

    public void Dispose() => (_store as IDisposable)?.Dispose();
}
