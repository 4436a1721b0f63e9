using Promoter.Abstractions.Storage;

namespace Promoter.Storage.LocalNginx;

/// <summary>
/// A local store without <c>public_url</c>: the host serves its folder at <c>/images</c>, and its URLs are
/// built from the host's own <c>public_url</c>.
/// </summary>
internal sealed class HostServedImageStore(LocalImageStore inner) : IImageStore, IImageRetention, IImageReader, IHostServedImages
{
    public LocalImageStore Inner => inner;

    public string DirectoryPath => inner.Options.Directory;

    public string RequestPath => LocalStoreOptions.HostRequestPath;

    public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
        inner.SaveAsync(content, contentType, cancellationToken);

    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        inner.DeleteOlderThanAsync(cutoff, cancellationToken);

    public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);

    // Forwarded explicitly: the interface's default (null) would switch the host's sweep off.
    public TimeSpan? Retention => inner.Retention;

    // Forwarded explicitly too: the default (true) would hide that a host on localhost serves links no chat service can fetch.
    public bool UrlsArePublic => inner.UrlsArePublic;
}
