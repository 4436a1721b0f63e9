using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Host.Metrics;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// The chart stage of a group: render → store → remember, once for all of the group's channels. Whoever comes first
/// (render-ahead or a delivery) draws; the state store keeps the first save, so every channel shows the same charts.
/// A chart that cannot be drawn or stored never blocks the message: it becomes a short note, and the failure is
/// logged and counted. The receiver's chart budget decides which alerts are drawn at all (<see cref="ChartBudget"/>).
/// </summary>
internal sealed partial class ChartStage(IRenderedCharts store, ChartBytes bytes, PromoterMetrics metrics,
    ILogger<ChartStage> logger)
{
    // Charts drawn at once: two per core keeps the cores busy (a query waits on Prometheus while another chart is
    // rasterised) without a burst of groups holding hundreds of half-drawn charts in memory.
    private readonly SemaphoreSlim _drawing = new(2 * Environment.ProcessorCount);
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _gates = new();

    /// <summary>The group's saved charts, drawn and stored now unless that was done already.</summary>
    public async Task<RenderedGroup> GetAsync(long groupId, AlertGroup group, DeliveryRoute route,
        CancellationToken cancellationToken)
    {
        if (await store.GetRenderedGroupAsync(groupId, cancellationToken) is { } done)
        {
            return done;
        }

        if (!route.Draws)
        {
            return Nothing;
        }

        var gate = _gates.GetOrAdd(groupId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await store.GetRenderedGroupAsync(groupId, cancellationToken) is { } again)
            {
                return again;
            }

            var (images, notes, drawn) = await DrawAsync(group, route, cancellationToken);
            var saved = await store.SaveGroupImagesAsync(groupId, images, notes, cancellationToken);
            if (route.HasUploadingChannel && ReferenceEquals(saved.Images, images))
            {
                // Only bytes of images without a public URL are worth keeping: the others are linked, not uploaded.
                bytes.Keep(groupId, drawn.Where(e => !(images[e.Key].IsPublic && images[e.Key].Url is not null))
                    .ToDictionary(e => e.Key, e => e.Value));
            }

            return saved;
        }
        finally
        {
            gate.Release();
            if (gate.CurrentCount == 1)
            {
                _gates.TryRemove(new KeyValuePair<long, SemaphoreSlim>(groupId, gate));
            }

            bytes.Sweep();
        }
    }

    /// <summary>
    /// Charts of a few alerts of a group, for a storm digest that shows only those: the group's saved charts when it
    /// has them, else these alerts' charts drawn and stored now. They are not remembered as the group's charts, which
    /// would lack the others; drawing the whole group for each alert a digest shows made a digest draw up to
    /// <c>max_charts</c> times more charts than it sends.
    /// </summary>
    public async Task<IReadOnlyList<StoredGroupImage>> GetForAlertsAsync(long groupId, AlertGroup group,
        IReadOnlySet<int> alertIndexes, DeliveryRoute route, CancellationToken cancellationToken)
    {
        if (await store.GetRenderedGroupAsync(groupId, cancellationToken) is { } done)
        {
            return done.Images.Where(i => alertIndexes.Contains(i.AlertIndex)).ToList();
        }

        if (!route.Draws)
        {
            return [];
        }

        var (images, _, _) = await DrawAsync(group, route, cancellationToken, alertIndexes);
        return images;
    }

    private static readonly RenderedGroup Nothing = new([], [], DateTimeOffset.MinValue);

    private async Task<(List<StoredGroupImage>, List<string>, Dictionary<int, ReadOnlyMemory<byte>>)> DrawAsync(
        AlertGroup group, DeliveryRoute route, CancellationToken cancellationToken, IReadOnlySet<int>? only = null)
    {
        var budget = route.Receiver.MaxCharts;
        var drawn = new List<(int Alert, int Order, StoredGroupImage Image, ReadOnlyMemory<byte> Bytes)>();
        var notes = new List<string>();
        var timeout = route.Runtime.Settings.Delivery.RenderTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var order = only is null ? ChartBudget.Order(group) : ChartBudget.Order(group).Where(only.Contains).ToList();
        var next = 0;
        for (; next < order.Count && drawn.Count < budget; next++)
        {
            var alert = group.Alerts[order[next]];
            foreach (var renderer in route.Renderers)
            {
                if (drawn.Count >= budget)
                {
                    break;
                }

                foreach (var image in await DrawOneAsync(group, alert, renderer, route, notes, deadline.Token, cancellationToken))
                {
                    if (drawn.Count >= budget)
                    {
                        notes.Add($"more charts for {alert.Name} not drawn (max_charts: {budget})");
                        break;
                    }

                    var stored = await StoreAsync(image, alert, route, notes, deadline.Token, cancellationToken);
                    drawn.Add((order[next], drawn.Count, stored with { AlertIndex = order[next] }, image.Content));
                }
            }
        }

        var skipped = order.Count - next;
        if (skipped > 0)
        {
            notes.Add($"+{skipped} more chart{(skipped == 1 ? "" : "s")} not drawn (max_charts: {budget})");
        }

        // Charts go out in the group's alert order, whatever order the budget drew them in.
        var sorted = drawn.OrderBy(d => d.Alert).ThenBy(d => d.Order).ToList();
        var kept = new Dictionary<int, ReadOnlyMemory<byte>>();
        for (var i = 0; i < sorted.Count; i++)
        {
            kept[i] = sorted[i].Bytes;
        }

        return (sorted.Select(d => d.Image).ToList(), notes, kept);
    }

    private async Task<IReadOnlyList<AlertImage>> DrawOneAsync(AlertGroup group, Alert alert, NamedRenderer renderer, DeliveryRoute route,
        List<string> notes, CancellationToken deadline, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = "success";
        try
        {
            await _drawing.WaitAsync(deadline);
            try
            {
                return await renderer.Renderer.RenderAsync(new RenderRequest(group, alert), deadline);
            }
            finally
            {
                _drawing.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = e is OperationCanceledException ? "timeout" : "failed";
            var reason = route.Runtime.Redactor.Redact(Describe(e, route.Runtime.Settings.Delivery.RenderTimeout));
            notes.Add($"chart for {alert.Name} unavailable: {reason}");
            LogRenderFailed(logger, alert.Name, renderer.Name, route.Name, reason);
            return [];
        }
        finally
        {
            var tags = new TagList { { "renderer", renderer.Name }, { "result", result } };
            metrics.RenderDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            metrics.Renders.Add(1, tags);
        }
    }

    private async Task<StoredGroupImage> StoreAsync(AlertImage image, Alert alert, DeliveryRoute route,
        List<string> notes, CancellationToken deadline, CancellationToken cancellationToken)
    {
        var unstored = new StoredGroupImage(0, image.Title, null, false, image.ContentType, image.Width, image.Height, null);
        if (route.Store is not { } imageStore)
        {
            return unstored;
        }

        try
        {
            var stored = await Plugins.ImageGate.SaveAsync(imageStore, image.Content, image.ContentType, deadline);
            CountSave(route.StoreName!, "stored");
            return unstored with { Url = stored.Url.ToString(), IsPublic = stored.IsPublic, Key = stored.Key };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            CountSave(route.StoreName!, e is ImageRejectedException ? "rejected" : "failed");
            var reason = route.Runtime.Redactor.Redact(Describe(e, route.Runtime.Settings.Delivery.RenderTimeout));
            notes.Add($"chart for {alert.Name} could not be stored: {reason}");
            LogStoreFailed(logger, alert.Name, route.StoreName!, reason);
            return unstored;
        }
    }

    private void CountSave(string storeName, string outcome) =>
        metrics.StoreSaves.Add(1, new KeyValuePair<string, object?>("store", storeName), new KeyValuePair<string, object?>("outcome", outcome));

    private static string Describe(Exception e, TimeSpan timeout) => e is OperationCanceledException
        ? $"rendering took longer than {DurationSyntax.Format(timeout)}"
        : e.Message;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chart for {Alert} not drawn by renderer {Renderer} (receiver {Receiver}): {Reason}; the message goes out without it")]
    private static partial void LogRenderFailed(ILogger logger, string alert, string renderer, string receiver, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chart for {Alert} not stored in {Store}: {Reason}; the message goes out without its URL")]
    private static partial void LogStoreFailed(ILogger logger, string alert, string store, string reason);
}
