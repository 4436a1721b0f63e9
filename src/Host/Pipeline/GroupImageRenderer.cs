using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Rendering;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// Renders and stores the charts of a group once, for all its channels. A chart that cannot be drawn or
/// stored never blocks the message: it is replaced by a short note and the failure is logged and counted.
/// Channels that upload images (<see cref="IChannel.UploadsImages"/>, such as Slack's bot mode) get the bytes of
/// charts without a public URL: from memory for a while after drawing, else read back from the store
/// (<see cref="Abstractions.Storage.IImageReader"/>), so an upload survives a restart. Bytes are held only for
/// receivers that have such a channel.
/// </summary>
internal sealed partial class GroupImageRenderer(IStateStore store, PromoterMetrics metrics, TimeProvider time,
    ILogger<GroupImageRenderer> logger)
{
    // Kept only for images without a public URL on receivers with an uploading channel, for the time the
    // group's deliveries normally take, and within a memory cap: a burst of a thousand groups must not hold a
    // hundred megabytes of PNGs. Past either limit a delivery reads the image back from its store.
    private static readonly TimeSpan BytesLifetime = TimeSpan.FromMinutes(10);
    private const long BytesCap = 32L * 1024 * 1024;
    private long _bytesTotal;

    // Charts drawn at once: two per core keeps the cores busy (a query waits on Prometheus while another chart is
    // rasterised) without a burst of groups holding hundreds of half-drawn charts in memory.
    private readonly SemaphoreSlim _drawing = new(2 * Environment.ProcessorCount);

    /// <summary>Image bytes held in memory now (for tests and diagnostics).</summary>
    internal long BytesHeld => Interlocked.Read(ref _bytesTotal);
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<long, (DateTimeOffset At, Dictionary<int, ReadOnlyMemory<byte>> Bytes)> _bytes = new();

    /// <summary>
    /// The group's charts: rendered and stored now unless another worker already did (or is doing) it. With
    /// <paramref name="channel"/>, the images are prepared for it (bytes attached when it uploads).
    /// </summary>
    public async Task<(IReadOnlyList<NotificationImage> Images, IReadOnlyList<string> Notes)> GetAsync(
        long groupId, Abstractions.Model.AlertGroup group, PromoterRuntime runtime, ReceiverSettings? route, CancellationToken cancellationToken,
        IChannel? channel = null)
    {
        if (await store.GetRenderedGroupAsync(groupId, cancellationToken) is { } done)
        {
            return await ToNotificationAsync(groupId, done, runtime, route, channel, cancellationToken);
        }

        if (route?.Renderer is null || !runtime.Renderers.TryGetValue(route.Renderer, out var renderer))
        {
            return ([], []);
        }

        // One gate per group for as long as anyone waits on it: whoever comes first (render-ahead or a
        // delivery) draws; the others find the saved result.
        var gate = _locks.GetOrAdd(groupId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await store.GetRenderedGroupAsync(groupId, cancellationToken) is { } again)
            {
                return await ToNotificationAsync(groupId, again, runtime, route, channel, cancellationToken);
            }

            var imageStore = route.Store is not null && runtime.Stores.TryGetValue(route.Store, out var s) ? s : null;
            var (images, notes, bytes) = await RenderAllAsync(group, route, renderer, imageStore, runtime, cancellationToken);
            if (HasUploadingChannel(runtime, route))
            {
                Keep(groupId, images, bytes);
            }

            await store.SaveGroupImagesAsync(groupId, images, notes, cancellationToken);
            var saved = await store.GetRenderedGroupAsync(groupId, cancellationToken);
            return saved is null ? ([], notes) : await ToNotificationAsync(groupId, saved, runtime, route, channel, cancellationToken);
        }
        finally
        {
            gate.Release();
            Sweep();
        }
    }

    private async Task<(List<StoredGroupImage>, List<string>, Dictionary<int, ReadOnlyMemory<byte>>)> RenderAllAsync(
        Abstractions.Model.AlertGroup group, ReceiverSettings route, IAlertRenderer renderer,
        Abstractions.Storage.IImageStore? imageStore, PromoterRuntime runtime, CancellationToken cancellationToken)
    {
        var images = new List<StoredGroupImage>();
        var notes = new List<string>();
        var bytes = new Dictionary<int, ReadOnlyMemory<byte>>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(runtime.Settings.Delivery.RenderTimeout);
        for (var i = 0; i < group.Alerts.Count; i++)
        {
            var alert = group.Alerts[i];
            var started = Stopwatch.GetTimestamp();
            var result = "success";
            try
            {
                IReadOnlyList<AlertImage> drawn;
                await _drawing.WaitAsync(deadline.Token);
                try
                {
                    drawn = await renderer.RenderAsync(new RenderRequest(group, alert), deadline.Token);
                }
                finally
                {
                    _drawing.Release();
                }

                foreach (var img in drawn)
                {
                    string? url = null;
                    string? key = null;
                    var isPublic = false;
                    if (imageStore is not null)
                    {
                        try
                        {
                            var stored = await imageStore.SaveAsync(img.Content, img.ContentType, deadline.Token);
                            url = stored.Url.ToString();
                            key = stored.Key;
                            isPublic = stored.IsPublic;
                            CountSave(route.Store!, "stored");
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                        {
                            CountSave(route.Store!, e is Abstractions.Storage.ImageRejectedException ? "rejected" : "failed");
                            result = "store_failed";
                            var reason = runtime.Redactor.Redact(Describe(e, runtime.Settings.Delivery.RenderTimeout));
                            notes.Add($"chart for {alert.Name} could not be stored: {reason}");
                            LogStoreFailed(logger, alert.Name, route.Store!, reason);
                        }
                    }

                    bytes[images.Count] = img.Content;
                    images.Add(new StoredGroupImage(i, img.Title, url, isPublic, img.ContentType, img.Width, img.Height, key));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = e is OperationCanceledException ? "timeout" : "failed";
                var reason = runtime.Redactor.Redact(Describe(e, runtime.Settings.Delivery.RenderTimeout));
                notes.Add($"chart for {alert.Name} unavailable: {reason}");
                LogRenderFailed(logger, alert.Name, route.Renderer!, reason);
            }
            finally
            {
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var tags = new TagList { { "renderer", route.Renderer }, { "result", result } };
                metrics.RenderDuration.Record(seconds, tags);
                metrics.Renders.Add(1, tags);
            }
        }

        return (images, notes, bytes);
    }

    private void CountSave(string store, string outcome) =>
        metrics.StoreSaves.Add(1, new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("outcome", outcome));

    private static string Describe(Exception e, TimeSpan timeout) => e is OperationCanceledException
        ? $"rendering took longer than {Abstractions.Configuration.DurationSyntax.Format(timeout)}"
        : e.Message;

    private static bool HasUploadingChannel(PromoterRuntime runtime, ReceiverSettings route) =>
        route.Channels.Any(name => runtime.Channels.TryGetValue(name, out var c) && c.Channel.UploadsImages);

    private async Task<(IReadOnlyList<NotificationImage>, IReadOnlyList<string>)> ToNotificationAsync(long groupId, RenderedGroup rendered,
        PromoterRuntime runtime, ReceiverSettings? route, IChannel? channel, CancellationToken cancellationToken)
    {
        var uploads = channel?.UploadsImages == true;
        _bytes.TryGetValue(groupId, out var cached);
        var list = new List<NotificationImage>(rendered.Images.Count);
        for (var i = 0; i < rendered.Images.Count; i++)
        {
            var img = rendered.Images[i];
            var content = ReadOnlyMemory<byte>.Empty;
            if (uploads && !(img.IsPublic && img.Url is not null))
            {
                content = cached.Bytes is not null && cached.Bytes.TryGetValue(i, out var b)
                    ? b
                    : await ReadBackAsync(img, runtime, route, cancellationToken);
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

        return (list, rendered.Notes);
    }

    /// <summary>An image's bytes from the receiver's store, when it can give them back; empty otherwise.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadBackAsync(StoredGroupImage img, PromoterRuntime runtime, ReceiverSettings? route,
        CancellationToken cancellationToken)
    {
        if (img.Key is null || route?.Store is null || !runtime.Stores.TryGetValue(route.Store, out var imageStore)
            || imageStore is not Abstractions.Storage.IImageReader reader)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        try
        {
            return await reader.ReadAsync(img.Key, cancellationToken) ?? ReadOnlyMemory<byte>.Empty;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogReadBackFailed(logger, img.Key, route.Store, runtime.Redactor.Redact(e.Message));
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    private void Keep(long groupId, List<StoredGroupImage> images, Dictionary<int, ReadOnlyMemory<byte>> bytes)
    {
        foreach (var i in bytes.Keys.ToList())
        {
            if (images[i].IsPublic && images[i].Url is not null)
            {
                bytes.Remove(i);
            }
        }

        if (bytes.Count == 0)
        {
            return;
        }

        _bytes[groupId] = (time.GetUtcNow(), bytes);
        if (Interlocked.Add(ref _bytesTotal, bytes.Values.Sum(b => (long)b.Length)) > BytesCap)
        {
            foreach (var (id, _) in _bytes.OrderBy(e => e.Value.At).ToList())
            {
                if (Interlocked.Read(ref _bytesTotal) <= BytesCap * 3 / 4)
                {
                    break;
                }

                Forget(id);
            }
        }
    }

    private void Forget(long groupId)
    {
        if (_bytes.TryRemove(groupId, out var entry))
        {
            Interlocked.Add(ref _bytesTotal, -entry.Bytes.Values.Sum(b => (long)b.Length));
        }
    }

    private void Sweep()
    {
        var cutoff = time.GetUtcNow() - BytesLifetime;
        foreach (var (id, entry) in _bytes)
        {
            if (entry.At < cutoff)
            {
                Forget(id);
            }
        }

        foreach (var (id, gate) in _locks)
        {
            // A free gate of a group that is no longer cached: nobody waits on it (rendering is done).
            if (gate.CurrentCount == 1 && !_bytes.ContainsKey(id))
            {
                _locks.TryRemove(id, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chart for {Alert} not drawn by renderer {Renderer}: {Reason}; the message goes out without it")]
    private static partial void LogRenderFailed(ILogger logger, string alert, string renderer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {Key} could not be read back from {Store} for an upload: {Reason}; the channel gets its URL only")]
    private static partial void LogReadBackFailed(ILogger logger, string key, string store, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chart for {Alert} not stored in {Store}: {Reason}; the message goes out without its URL")]
    private static partial void LogStoreFailed(ILogger logger, string alert, string store, string reason);
}
