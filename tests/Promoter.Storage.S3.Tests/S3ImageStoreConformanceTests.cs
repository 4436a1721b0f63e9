using Promoter.Testing.Infrastructure;
using Promoter.Abstractions.Storage;
using Promoter.Testing.Storage;

namespace Promoter.Storage.S3.Tests;

/// <summary>The shared store conformance facts against a real S3 server, through presigned URLs.</summary>
public sealed class S3ImageStoreConformanceTests : ImageStoreConformance, IClassFixture<S3Server>, IDisposable
{
    private readonly S3Server _s3;
    private readonly IImageStore _store;

    public S3ImageStoreConformanceTests(S3Server s3)
    {
        _s3 = s3;
        _store = new StoreSetupBuilder()
            .Set("endpoint", s3.Endpoint.ToString())
            .Set("bucket", S3Server.Bucket)
            .Set("force_path_style", "true")
            .Set("access_key", S3Server.AccessKey)
            .Set("secret_key", S3Server.SecretKey)
            .Set("max_size", "1MiB")
            .Create(new S3ImageStoreFactory());
    }

    protected override long MaxBytes => 1024 * 1024;

    protected override IImageStore Store => _store;

    protected override async Task<FetchedImage> FetchAsync(StoredImage image)
    {
        using var response = await _s3.Http.GetAsync(image.Url);
        return new FetchedImage((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(),
            response.Content.Headers.ContentType?.MediaType);
    }

    public void Dispose() => (_store as IDisposable)?.Dispose();
}
