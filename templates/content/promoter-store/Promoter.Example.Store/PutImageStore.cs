using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Storage;
using Promoter.Plugins.Sdk;

namespace Promoter.Example.Store;

/// <summary>
/// Stores each image with one HTTP PUT under a name made from its content hash, so the same chart saved twice is the
/// same file. The host has already checked the bytes (ImageGate); the store checks again because it is also called
/// directly (tests, other hosts).
/// </summary>
internal sealed partial class PutImageStore(string name, PutImageStoreOptions options, ChannelHttp http, ILogger logger) : IImageStore
{
    public bool UrlsArePublic => options.Public ?? InternetReach.IsReachableFromInternet(options.PublicUrl);

    public async Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        var format = ImageContent.Validate(content.Span, contentType);
        var key = $"{Convert.ToHexStringLower(SHA256.HashData(content.Span))}.{ImageContent.Extension(format)}";

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(options.UploadUrl, key))
        {
            Content = new ByteArrayContent(content.ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ImageContent.MediaType(format));
        if (options.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        }

        var exchange = await http.SendAsync(request, $"image store '{name}'", cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            // Messages from ChannelHttp are already redacted: no URL token, no bearer token.
            throw new InvalidOperationException(failure.Message);
        }

        if (exchange.Status is < 200 or > 299)
        {
            var fix = exchange.Status is 401 or 403 ? "; check token (or token_file)" : "";
            throw new InvalidOperationException($"image store '{name}' could not store an image: the server answered HTTP {exchange.Status}{http.Excerpt(exchange.Body)}{fix}");
        }

        Stored(logger, name, key, content.Length);
        return new StoredImage(key, new Uri(options.PublicUrl, key)) { IsPublic = UrlsArePublic };
    }

    [LoggerMessage(EventId = 20000, Level = LogLevel.Debug, Message = "Image store {Store} stored {Key} ({Bytes} bytes)")]
    private static partial void Stored(ILogger logger, string store, string key, int bytes);
}
