using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Abstractions.Templating;
using Promoter.Host.Configuration;

namespace Promoter.Host.Runtime;

/// <summary>A channel instance with the type it was created from.</summary>
internal sealed record ChannelInstance(string Name, string Type, IChannel Channel);

/// <summary>
/// One loaded configuration: every renderer, store and channel instance, and the receiver routes. Immutable;
/// a reload builds a new one and swaps it in only when it is valid.
/// </summary>
internal sealed class PromoterRuntime
{
    public required HostSettings Settings { get; init; }
    public required string Source { get; init; }
    public required DateTimeOffset LoadedAt { get; init; }
    public required ITemplateRenderer Templates { get; init; }
    public required IReadOnlyDictionary<string, IAlertRenderer> Renderers { get; init; }
    public required IReadOnlyDictionary<string, IImageStore> Stores { get; init; }
    public required IReadOnlyDictionary<string, ChannelInstance> Channels { get; init; }
    public required IReadOnlyList<string> Secrets { get; init; }

    /// <summary>Last line of defence: removes every configured secret from text the host stores, logs or
    /// serves (channel errors, plugin exceptions). Channels are expected not to leak secrets in the first place.</summary>
    public SecretRedactor Redactor => _redactor ??= new SecretRedactor(Secrets);

    private SecretRedactor? _redactor;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeliveryRoute> _routes = new(StringComparer.Ordinal);

    /// <summary>
    /// The resolved route for a receiver name (the catch-all <c>*</c> takes names not configured), or null. Resolved
    /// once per configured receiver (keyed by the configured name, so names posted to a catch-all add nothing).
    /// </summary>
    public DeliveryRoute? RouteFor(string receiver) => FindReceiver(receiver) is { } r
        ? _routes.GetOrAdd(r.Name, static (_, state) => DeliveryRoute.Resolve(state.r, state.rt), (r, rt: this))
        : null;

    /// <summary>Finds the settings of a receiver name; the catch-all <c>*</c> takes names not configured.</summary>
    public ReceiverSettings? FindReceiver(string name)
    {
        ReceiverSettings? catchAll = null;
        foreach (var r in Settings.Receivers)
        {
            if (string.Equals(r.Name, name, StringComparison.Ordinal))
            {
                return r;
            }

            if (r.IsCatchAll)
            {
                catchAll = r;
            }
        }

        return catchAll;
    }

    public IEnumerable<string> ReceiverNames => Settings.Receivers.Select(r => r.Name);
}
