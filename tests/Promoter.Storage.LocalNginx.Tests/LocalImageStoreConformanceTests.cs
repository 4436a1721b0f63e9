using Promoter.Testing.Infrastructure;
using Promoter.Abstractions.Storage;
using Promoter.Testing.Storage;

namespace Promoter.Storage.LocalNginx.Tests;

/// <summary>The shared store conformance facts, with images fetched through a real nginx.</summary>
public sealed class LocalImageStoreConformanceTests : ImageStoreConformance, IClassFixture<NginxServer>, IDisposable
{
    private readonly NginxServer _nginx;
    private readonly IImageStore _store;

    public LocalImageStoreConformanceTests(NginxServer nginx)
    {
        _nginx = nginx;
        _store = new StoreSetupBuilder()
            .Set("dir", nginx.ImageDirectory)
            .Set("public_url", nginx.PublicUrl.ToString())
            .Set("max_size", "1MiB")
            .Create(new LocalImageStoreFactory());
    }

    protected override long MaxBytes => 1024 * 1024;

    protected override IImageStore Store => _store;

    protected override async Task<FetchedImage> FetchAsync(StoredImage image)
    {
        using var response = await _nginx.Http.GetAsync(image.Url);
        return new FetchedImage((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(),
            response.Content.Headers.ContentType?.MediaType);
    }

    public void Dispose() => (_store as IDisposable)?.Dispose();
}
