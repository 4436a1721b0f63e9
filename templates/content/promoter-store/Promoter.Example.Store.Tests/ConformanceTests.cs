using Promoter.Abstractions.Storage;
using Promoter.Testing.Storage;

namespace Promoter.Example.Store.Tests;

/// <summary>
/// The checks every built-in store passes (Promoter.Plugins.Testing): the URL serves the same bytes, one key per
/// content, non-images and oversized images refused, SVG served as SVG, concurrent saves of one image. Run against the
/// local PUT/GET server, fetched over HTTP as a chat client would.
/// </summary>
public sealed class ConformanceTests : ImageStoreConformance, IAsyncLifetime
{
    internal const string Token = "tk_store_secret_0123456789";

    private static readonly HttpClient Client = new();
    private readonly PutServer _server = PutServer.Start(Token);
    private IImageStore? _store;

    protected override IImageStore Store => _store ?? throw new InvalidOperationException("not initialized");

    public Task InitializeAsync()
    {
        _store = new StoreSetupBuilder()
            .Set("type", "examplestore")
            .Set("url", _server.BaseUrl.ToString())
            .Set("token", Token)
            .Create(new PutImageStoreFactory());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    protected override async Task<FetchedImage> FetchAsync(StoredImage image)
    {
        using var response = await Client.GetAsync(image.Url);
        return new FetchedImage((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SaveAsync_WrongToken_FailsNamingTheFixWithoutTheToken()
    {
        const string wrong = "tk_wrong_secret_9876543210";
        var store = new StoreSetupBuilder().Set("type", "examplestore").Set("url", _server.BaseUrl.ToString()).Set("token", wrong)
            .Create(new PutImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.ChartPng, "image/png", CancellationToken.None));

        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.Contains("token", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UrlsArePublic_LoopbackServer_False()
    {
        Assert.False(Store.UrlsArePublic);
    }

    [Fact]
    public void Validate_MissingUrl_ErrorNamesTheKey()
    {
        var builder = new StoreSetupBuilder().Set("type", "examplestore");
        var errors = new PutImageStoreFactory().Validate(builder.Build(out _));

        Assert.Contains(errors, e => e.Path.EndsWith(".url", StringComparison.Ordinal));
    }
}
