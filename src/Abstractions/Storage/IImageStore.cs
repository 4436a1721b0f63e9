using Promoter.Abstractions.Configuration;

namespace Promoter.Abstractions.Storage;

/// <summary>Creates image stores of one <c>type:</c> ("s3", "local", …).</summary>
public interface IImageStoreFactory
{
    string Type { get; }

    IImageStore Create(StoreSetup setup);
}

public sealed class StoreSetup
{
    public required string Name { get; init; }
    public required PluginSettings Settings { get; init; }

    /// <summary>The host's own public URL (<c>public_url</c>), for stores whose files the host serves.</summary>
    public required Uri HostPublicUrl { get; init; }

    /// <summary>
    /// True when the operator set the host's <c>public_url</c>, so its URLs are meant to be reached by others; false
    /// for the default (<c>http://localhost:&lt;port&gt;</c>), which no chat service can fetch.
    /// </summary>
    public bool HostPublicUrlIsPublic { get; init; }

    /// <summary>The host's data folder (<c>--data</c>), the default place for files a store keeps locally.</summary>
    public required string DataDirectory { get; init; }

    public required IServiceProvider Services { get; init; }
}

/// <summary>Keeps rendered images where chat clients can fetch them.</summary>
public interface IImageStore
{
    /// <summary>
    /// Stores a PNG or SVG produced by a renderer and returns where it can be fetched. A store refuses
    /// anything else with <see cref="ImageRejectedException"/>. Saving the same bytes twice is cheap and
    /// returns the same key.
    /// </summary>
    Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);

    /// <summary>
    /// Whether chat services on the internet can fetch the URLs this store hands out, known from its settings before
    /// anything is saved (the same answer <see cref="StoredImage.IsPublic"/> gives for each image). check-config warns
    /// when a receiver links such private URLs to a chat service that cannot upload instead.
    /// </summary>
    bool UrlsArePublic => true;
}

/// <summary>Optional: a store that can delete old images (retention).</summary>
public interface IImageRetention
{
    /// <summary>
    /// How old an image may get before the host's hourly sweep deletes it (the store's own setting, such as
    /// <c>retention: 7d</c>); null when the operator set none, and the host never sweeps this store.
    /// </summary>
    TimeSpan? Retention => null;

    /// <summary>Deletes images stored before <paramref name="cutoff"/>; returns how many were removed.</summary>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}

/// <summary>
/// Optional: a store that can give back an image it stored. The host reads one back when a channel that uploads
/// images (<see cref="Channels.IChannel.UploadsImages"/>) needs bytes no longer held in memory, such as after a
/// restart, so that the upload still happens.
/// </summary>
public interface IImageReader
{
    /// <summary>The bytes stored under <paramref name="key"/> (a <see cref="StoredImage.Key"/>), or null when the
    /// store does not have them (any more).</summary>
    Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Optional: a store whose folder the host should serve over HTTP itself.</summary>
public interface IHostServedImages
{
    /// <summary>The folder to serve.</summary>
    string DirectoryPath { get; }

    /// <summary>The URL path it is served under, such as <c>/images</c>.</summary>
    string RequestPath { get; }
}

/// <param name="Key">The object key or file name, derived from the content hash.</param>
/// <param name="Url">Where the image can be fetched.</param>
public sealed record StoredImage(string Key, Uri Url)
{
    /// <summary>Whether the URL is reachable by services on the internet (false for private hosts).</summary>
    public bool IsPublic { get; init; } = true;

    /// <summary>When a presigned URL stops working; null for permanent URLs.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>The content given to a store is not an image a renderer produces.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException() { }
    public ImageRejectedException(string message) : base(message) { }
    public ImageRejectedException(string message, Exception inner) : base(message, inner) { }
}
