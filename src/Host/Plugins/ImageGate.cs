using Promoter.Abstractions.Storage;

namespace Promoter.Host.Plugins;

/// <summary>
/// The host's check of every image before any store sees it: only a PNG or a safe SVG (signature, structure, CRCs;
/// no scripts or external references) reaches a plugin's <see cref="IImageStore.SaveAsync"/>, so a store written by
/// a third party cannot be handed an HTML page to serve from a trusted host even if it forgets to check. Stores still
/// apply their own size limit (<c>max_bytes</c>).
/// </summary>
internal static class ImageGate
{
    /// <summary>Images are already in memory here; this bound only keeps the parser's work finite.</summary>
    private const long MaxBytes = 256L * 1024 * 1024;

    /// <exception cref="ImageRejectedException">The content is not an image a renderer produces.</exception>
    public static Task<StoredImage> SaveAsync(IImageStore store, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ImageContent.Validate(content.Span, contentType, MaxBytes);
        return store.SaveAsync(content, contentType, cancellationToken);
    }
}
