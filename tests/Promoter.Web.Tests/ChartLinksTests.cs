using Promoter.Abstractions.Storage;
using Promoter.Host.Web;
using Promoter.State;

namespace Promoter.Web.Tests;

/// <summary>Which link the page shows for a stored chart: history outlives presigned links.</summary>
public sealed class ChartLinksTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    // SigV4: signed 2026-11-20 12:00 for 7 days (the protocol's maximum) → expired 2026-11-27 12:00.
    private const string ExpiredSigV4 = "https://bucket.s3.example.com/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261120T120000Z&X-Amz-Expires=604800&X-Amz-Signature=abc";
    private const string ValidSigV4 = "https://bucket.s3.example.com/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261129T120000Z&X-Amz-Expires=604800&X-Amz-Signature=abc";

    [Theory]
    [InlineData(ExpiredSigV4, "2026-11-27T12:00:00Z")]
    [InlineData("https://alerts.oss-cn-beijing.aliyuncs.com/a.png?OSSAccessKeyId=k&Expires=1795000000&Signature=s", "2026-11-18T11:06:40Z")]
    [InlineData("https://cdn.example.com/a.png", null)]
    [InlineData("https://cdn.example.com/a.png?v=2", null)]
    public void PresignedExpiry_Url_ReadFromItsQuery(string url, string? expected)
    {
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), ChartLinks.PresignedExpiry(url));
    }

    [Theory]
    [InlineData("https://cdn.example.com/a.png", true, false, "direct")]
    [InlineData(ExpiredSigV4, false, false, "expired")]
    [InlineData(ExpiredSigV4, false, true, "proxy")]
    [InlineData(ValidSigV4, false, false, "direct")]
    [InlineData("http://localhost:8080/images/a.png", false, true, "proxy")]
    public void For_StoredImage_DirectThroughPromoterOrExpired(string url, bool isPublic, bool storeCanRead, string expected)
    {
        var image = new StoredGroupImage(0, "chart", url, isPublic, "image/png", 800, 400, "a.png");
        IImageStore store = storeCanRead ? new ReadableStore() : new WriteOnlyStore();

        var link = ChartLinks.For(image, 42, 1, store, Now);

        Assert.Equal(expected, link switch
        {
            ChartLink.Direct d => d.Url == url ? "direct" : "wrong url",
            ChartLink.ThroughPromoter p => p.Path == "/ui/images/42/1" ? "proxy" : "wrong path",
            ChartLink.Expired x => x.Message.Contains("expired at 2026-11-27 12:00 UTC", StringComparison.Ordinal) ? "expired" : x.Message,
            _ => "?",
        });
    }

    private class WriteOnlyStore : IImageStore
    {
        public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed class ReadableStore : WriteOnlyStore, IImageReader
    {
        public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken) => Task.FromResult<byte[]?>([1]);
    }
}
