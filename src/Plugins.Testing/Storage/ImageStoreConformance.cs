using Xunit;
using System.Collections.Concurrent;
using Promoter.Abstractions.Storage;

namespace Promoter.Testing.Storage;

/// <summary>What a fetch of a stored image's URL returned.</summary>
public sealed record FetchedImage(int StatusCode, byte[] Body, string? ContentType);

/// <summary>
/// The behaviour every <see cref="IImageStore"/> must have, as xunit facts. A store's test class derives
/// from this, gives the store (configured with <see cref="MaxBytes"/> as its size cap) and a way to fetch a
/// URL the store returned — over HTTP from the real server that serves it — and inherits the facts.
/// Third-party stores reference Promoter.Testing and do the same.
/// </summary>
public abstract class ImageStoreConformance
{
    /// <summary>The size cap the store under test is configured with.</summary>
    protected virtual long MaxBytes => ImageContent.DefaultMaxBytes;

    /// <summary>The store under test.</summary>
    protected abstract IImageStore Store { get; }

    /// <summary>Fetches the image's URL the way a chat client would.</summary>
    protected abstract Task<FetchedImage> FetchAsync(StoredImage image);

    /// <summary>A seed unique to this test class instance, so stores shared across tests see new content.</summary>
    protected int Seed { get; } = Random.Shared.Next(1, int.MaxValue / 2);

    [Fact]
    public async Task SaveAsync_Png_UrlServesTheSameBytes()
    {
        var png = SampleImages.ChartPng;

        var stored = await Store.SaveAsync(png, "image/png", CancellationToken.None);

        var fetched = await FetchAsync(stored);
        Assert.Equal(200, fetched.StatusCode);
        Assert.Equal(png, fetched.Body);
        Assert.Equal("image/png", fetched.ContentType);
        Assert.EndsWith(".png", stored.Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_SameBytesTwice_ReturnsTheSameKey()
    {
        var png = SampleImages.Png(Seed);

        var first = await Store.SaveAsync(png, "image/png", CancellationToken.None);
        var second = await Store.SaveAsync(png.ToArray(), "image/png", CancellationToken.None);

        Assert.Equal(first.Key, second.Key);
        Assert.Equal(png, (await FetchAsync(second)).Body);
    }

    [Fact]
    public async Task SaveAsync_DifferentBytes_ReturnDifferentKeys()
    {
        var a = await Store.SaveAsync(SampleImages.Png(Seed), "image/png", CancellationToken.None);
        var b = await Store.SaveAsync(SampleImages.Png(Seed + 1), "image/png", CancellationToken.None);

        Assert.NotEqual(a.Key, b.Key);
        Assert.NotEqual(a.Url, b.Url);
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public async Task SaveAsync_NotAnImage_IsRejectedWithAMessage(string name, byte[] content, string contentType)
    {
        var e = await Assert.ThrowsAsync<ImageRejectedException>(() => Store.SaveAsync(content, contentType, CancellationToken.None));

        Assert.False(string.IsNullOrWhiteSpace(e.Message), name);
    }

    public static TheoryData<string, byte[], string> NotImages => SampleImages.NotImages;

    [Fact]
    public async Task SaveAsync_Oversized_IsRejectedNamingTheLimit()
    {
        var png = SampleImages.Png(Seed, padding: (int)Math.Min(MaxBytes, 64L * 1024 * 1024));
        Assert.True(png.Length > MaxBytes);

        var e = await Assert.ThrowsAsync<ImageRejectedException>(() => Store.SaveAsync(png, "image/png", CancellationToken.None));

        Assert.Contains(MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_TruncatedPng_IsRejected()
    {
        foreach (var truncated in SampleImages.TruncatedPngs())
        {
            var e = await Assert.ThrowsAsync<ImageRejectedException>(() => Store.SaveAsync(truncated, "image/png", CancellationToken.None));
            Assert.Contains("PNG", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SaveAsync_Svg_IsStoredAndServedAsSvg()
    {
        var svg = SampleImages.ChartSvg;

        var stored = await Store.SaveAsync(svg, "image/svg+xml", CancellationToken.None);

        var fetched = await FetchAsync(stored);
        Assert.Equal(200, fetched.StatusCode);
        Assert.Equal(svg, fetched.Body);
        Assert.StartsWith("image/svg+xml", fetched.ContentType, StringComparison.Ordinal);
        Assert.EndsWith(".svg", stored.Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_ConcurrentSavesOfTheSameImage_OneKeyAndIntactContent()
    {
        var png = SampleImages.Png(Seed, 64, 64);
        var keys = new ConcurrentBag<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 16), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            var stored = await Store.SaveAsync(png, "image/png", ct);
            keys.Add(stored.Key);
        });

        var key = Assert.Single(keys.Distinct());
        var again = await Store.SaveAsync(png, "image/png", CancellationToken.None);
        Assert.Equal(key, again.Key);
        var fetched = await FetchAsync(again);
        Assert.Equal(200, fetched.StatusCode);
        Assert.Equal(png, fetched.Body);
    }
}
