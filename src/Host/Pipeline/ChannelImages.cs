using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Storage;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// A group's saved charts as one channel sees them: URLs for every channel, and the bytes for channels that upload
/// (<see cref="IChannel.UploadsImages"/>) when a chart has no public URL — from memory shortly after drawing, else
/// read back from the store (<see cref="IImageReader"/>), so an upload survives a restart.
/// </summary>
internal sealed partial class ChannelImages(ChartBytes bytes, ILogger<ChannelImages> logger)
{
    public async Task<IReadOnlyList<NotificationImage>> ForChannelAsync(long groupId, RenderedGroup rendered, DeliveryRoute route,
        IChannel channel, CancellationToken cancellationToken)
    {
        var list = new List<NotificationImage>(rendered.Images.Count);
        for (var i = 0; i < rendered.Images.Count; i++)
        {
            var img = rendered.Images[i];
            var content = ReadOnlyMemory<byte>.Empty;
            if (channel.UploadsImages && !(img.IsPublic && img.Url is not null) && !bytes.TryGet(groupId, i, out content))
            {
                content = await ReadBackAsync(img, route, cancellationToken);
            }

            list.Add(new NotificationImage
            {
                AlertIndex = img.AlertIndex,
                Title = img.Title,
                Url = img.Url is null ? null : new Uri(img.Url),
                IsUrlPublic = img.IsPublic,
                Content = content,
                ContentType = img.ContentType,
                Width = img.Width,
                Height = img.Height,
            });
        }

        return list;
    }

    private async Task<ReadOnlyMemory<byte>> ReadBackAsync(StoredGroupImage img, DeliveryRoute route,
        CancellationToken cancellationToken)
    {
        if (img.Key is null || route.Store is not IImageReader reader)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        try
        {
            return await reader.ReadAsync(img.Key, cancellationToken) ?? ReadOnlyMemory<byte>.Empty;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogReadBackFailed(logger, img.Key, route.StoreName ?? "", route.Runtime.Redactor.Redact(e.Message));
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {Key} could not be read back from {Store} for an upload: {Reason}; the channel gets its URL only")]
    private static partial void LogReadBackFailed(ILogger logger, string key, string store, string reason);
}
