using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Host.Configuration;

namespace Promoter.Host.Runtime;

/// <summary>A renderer instance with its configured name (for metrics and notes).</summary>
internal sealed record NamedRenderer(string Name, IAlertRenderer Renderer);

/// <summary>
/// A receiver's route resolved against one loaded configuration: the renderers that draw its charts (in order), the
/// store that keeps them and the channels that get its notifications. Resolved once per receiver and configuration,
/// then handed from the webhook to render-ahead and from the claim to the send, so no stage looks anything up again.
/// </summary>
/// <param name="Runtime">The configuration the route was resolved against (settings, secrets to redact).</param>
internal sealed record DeliveryRoute(PromoterRuntime Runtime, ReceiverSettings Receiver, IReadOnlyList<NamedRenderer> Renderers,
    string? StoreName, IImageStore? Store, IReadOnlyList<ChannelInstance> Channels)
{
    public string Name => Receiver.Name;

    public IReadOnlyList<string> ChannelNames => Receiver.Channels;

    /// <summary>Whether this route draws charts at all.</summary>
    public bool Draws => Renderers.Count > 0 && Receiver.MaxCharts > 0;

    /// <summary>Whether a channel of this route uploads image bytes (so drawn bytes are worth keeping in memory).</summary>
    public bool HasUploadingChannel => Channels.Any(c => c.Channel.UploadsImages);

    public ChannelInstance? Channel(string name) => Channels.FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// The route of a delivery whose receiver a reload removed: its channel (when still configured) without charts,
    /// so work already accepted still goes out.
    /// </summary>
    public static DeliveryRoute Orphan(string receiver, string channel, PromoterRuntime runtime) => new(runtime,
        new ReceiverSettings(receiver, [], null, [channel], new Abstractions.Configuration.SourceLocation("(removed)", 0, 0), ""),
        [], null, null, runtime.Channels.TryGetValue(channel, out var c) ? [c] : []);

    public static DeliveryRoute Resolve(ReceiverSettings receiver, PromoterRuntime runtime)
    {
        var renderers = receiver.Renderers
            .Where(runtime.Renderers.ContainsKey)
            .Select(n => new NamedRenderer(n, runtime.Renderers[n]))
            .ToList();
        var store = receiver.Store is not null && runtime.Stores.TryGetValue(receiver.Store, out var s) ? s : null;
        var channels = receiver.Channels.Distinct(StringComparer.Ordinal)
            .Where(runtime.Channels.ContainsKey)
            .Select(n => runtime.Channels[n])
            .ToList();
        return new DeliveryRoute(runtime, receiver, renderers, store is null ? null : receiver.Store, store, channels);
    }
}
