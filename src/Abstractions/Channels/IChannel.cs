using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;

namespace Promoter.Abstractions.Channels;

/// <summary>
/// Creates channels of one <c>type:</c> ("dingtalk", "slack", …). <see cref="Validate"/> checks a section,
/// <see cref="Create"/> builds a channel from a section that passed.
/// </summary>
public interface IChannelFactory
{
    /// <summary>The value of <c>type:</c> this factory handles, lower case.</summary>
    string Type { get; }

    /// <summary>
    /// Checks a section without building anything: reads every key it supports through <c>setup.Settings</c> and
    /// reports each problem there (path, message, fix; all of them, not just the first). Returns the problems found.
    /// The host calls it at check-config, startup and every reload, and calls <c>Create</c> only for sections with
    /// none, so that a factory never has to build a placeholder for a broken section.
    /// </summary>
    IReadOnlyList<ConfigError> Validate(ChannelSetup setup);

    /// <summary>
    /// Builds the instance for a section that <see cref="Validate"/> accepted. Called with a fresh <c>setup</c>
    /// (read the settings again); throws <see cref="InvalidOperationException"/> if the section is invalid after all.
    /// </summary>
    IChannel Create(ChannelSetup setup);
}

/// <summary>Everything a channel factory gets to build one channel instance.</summary>
public sealed class ChannelSetup
{
    /// <summary>The channel's name in the configuration (the key under <c>channels:</c>).</summary>
    public required string Name { get; init; }
    public required PluginSettings Settings { get; init; }
    public required ITemplateRenderer Templates { get; init; }

    /// <summary>The host's services: ILoggerFactory, TimeProvider, IHttpClientFactory, IMeterFactory.</summary>
    public required IServiceProvider Services { get; init; }

    /// <summary>Promoter's own address for links in messages (<c>public_url</c>, such as a link to an alert's page at
    /// <c>/alerts/{fingerprint}</c>), or null when the configuration does not set one.</summary>
    public Uri? PublicUrl { get; init; }
}

/// <summary>
/// A configured destination. A channel sends once and classifies the outcome; it never retries or
/// sleeps: the host's pipeline owns retries, backoff and deadlines.
/// </summary>
public interface IChannel
{
    string Name { get; }

    /// <summary>
    /// Whether this channel uploads chart bytes itself (<see cref="NotificationImage.Content"/>) rather than only
    /// linking <see cref="NotificationImage.Url"/>. The host fills Content only for such channels and only for images
    /// whose URL is not public, so that a receiver whose channels link never makes the host hold image bytes.
    /// </summary>
    bool UploadsImages => false;

    /// <summary>
    /// How fast the service lets this destination receive messages (a DingTalk robot: 20 a minute), or null when it
    /// sets no such limit. The host uses it to foresee a backlog: notifications that would wait longer than the
    /// receiver's <c>digest_after</c> are merged into one digest (<see cref="Notification.Digest"/>) instead of
    /// queueing for an hour.
    /// </summary>
    ChannelRateLimit? RateLimit => null;

    ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>What a channel is asked to deliver.</summary>
public sealed record Notification
{
    /// <summary>Stable across every attempt of this delivery: an idempotency key.</summary>
    public required string DeliveryId { get; init; }

    public required AlertGroup Group { get; init; }

    /// <summary>Charts of the group's alerts, in alert order.</summary>
    public IReadOnlyList<NotificationImage> Images { get; init; } = [];

    /// <summary>Short notes for the reader, such as "chart unavailable: Prometheus timed out".</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>1 for the first attempt of this delivery.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>What the channel returned in <see cref="DeliveryResult.ResumeToken"/> on the previous failed
    /// attempt of this same delivery (for example how many parts of a split message were already sent).</summary>
    public string? ResumeToken { get; init; }

    /// <summary>The <see cref="DeliveryResult.MessageId"/> of the last successful delivery of the same
    /// group (same group key) to this channel, so that a channel can update or thread under it.</summary>
    public string? PreviousMessageId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// Set when the host merged several queued notifications of a rate-limited channel into this one message (a storm
    /// digest). <see cref="Group"/> then holds the alerts shown in full, most severe first, with their charts in
    /// <see cref="Images"/>; the digest has the counts and the alerts that are only listed. A channel renders it with
    /// its digest template, passing <see cref="TemplateExtras.Digest"/> among the template extras.
    /// </summary>
    public NotificationDigest? Digest { get; init; }
}

/// <summary>A destination's sending limit: at most <see cref="Messages"/> per <see cref="Per"/>.</summary>
public sealed record ChannelRateLimit(int Messages, TimeSpan Per)
{
    /// <summary>The steady interval between two messages this limit allows.</summary>
    public TimeSpan Interval => Per / Math.Max(1, Messages);
}

/// <summary>A chart attached to one alert of the notification.</summary>
public sealed record NotificationImage
{
    /// <summary>Index of the alert in <see cref="AlertGroup.Alerts"/>.</summary>
    public required int AlertIndex { get; init; }
    public required string Title { get; init; }

    /// <summary>Where the image can be fetched, or null when it could not be stored.</summary>
    public Uri? Url { get; init; }

    /// <summary>Whether chat services on the internet can fetch <see cref="Url"/> (false for a host that
    /// serves images on a private address): a channel that can upload should upload instead.</summary>
    public bool IsUrlPublic { get; init; }

    /// <summary>
    /// The image bytes, given only to channels that declare <see cref="IChannel.UploadsImages"/> and only when the URL
    /// is not public; empty otherwise, or when neither memory nor the store (<see cref="Storage.IImageReader"/>) has them.
    /// </summary>
    public ReadOnlyMemory<byte> Content { get; init; }
    public string ContentType { get; init; } = "image/png";
    public int Width { get; init; }
    public int Height { get; init; }
}
