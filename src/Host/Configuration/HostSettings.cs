using Promoter.Abstractions.Configuration;

namespace Promoter.Host.Configuration;

/// <summary>The host's own settings (everything that is not a plugin section).</summary>
internal sealed record HostSettings
{
    public string Listen { get; init; } = ":8080";
    public Uri PublicUrl { get; init; } = new("http://localhost:8080");
    public bool PublicUrlIsPublic { get; init; }
    public string DataDirectory { get; init; } = "data";
    public WebhookAuthSettings Auth { get; init; } = new();
    public string SqlitePath { get; init; } = "state.db";

    /// <summary><c>state.postgres</c> completed with the password (a secret: never log it); null for SQLite.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary><c>state.shared_volume</c>: the local image stores' folders are on a volume every replica mounts.</summary>
    public bool ImagesOnSharedVolume { get; init; }

    /// <summary><c>state.lease</c>: with PostgreSQL, how long a dead replica's deliveries wait before another takes them.</summary>
    public TimeSpan StateLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the state is, for messages: the SQLite file, or PostgreSQL's host and database.</summary>
    public string StateDescription => PostgresConnectionString is { } pg
        ? "PostgreSQL " + State.Postgres.PostgresConnection.Describe(pg)
        : SqlitePath;
    public string PluginsDirectory { get; init; } = "plugins";
    public IReadOnlyList<string> TemplateGlobs { get; init; } = [];
    public long MaxBodyBytes { get; init; } = 1 << 20;
    public DeliverySettings Delivery { get; init; } = new();
    public TimeSpan HistoryRetention { get; init; } = TimeSpan.FromDays(30);
    public IReadOnlyList<PluginSection> Renderers { get; init; } = [];
    public IReadOnlyList<PluginSection> Stores { get; init; } = [];
    public IReadOnlyList<PluginSection> Channels { get; init; } = [];
    public IReadOnlyList<ReceiverSettings> Receivers { get; init; } = [];

    /// <summary><c>grafana_images</c>: which renderer and store serve <c>POST /grafana-images</c>; null when it is off.</summary>
    public GrafanaImagesSettings? GrafanaImages { get; init; }
}

/// <summary>The renderer (a <c>type: grafana</c> one) and the store behind <c>POST /grafana-images</c>.</summary>
internal sealed record GrafanaImagesSettings(string Renderer, string Store);

internal sealed record WebhookAuthSettings
{
    public string? BearerToken { get; init; }
    public string? BasicUser { get; init; }
    public string? BasicPassword { get; init; }
    public string? HeaderName { get; init; }
    public string? HeaderValue { get; init; }
    public bool IsEnabled => BearerToken is not null || BasicUser is not null || HeaderName is not null;

    /// <summary><c>scope: all</c>: the API, the web page and /-/reload need the same credentials as the
    /// webhooks. Health, readiness, /metrics and /images stay open (probes, Prometheus, chat clients).</summary>
    public bool CoversEverything { get; init; }

    /// <summary><c>scope: tools</c> (the default) and <c>all</c>: the template preview and render APIs need the
    /// credentials too (a preview runs a request's template; a render spends Prometheus time and store space).
    /// <c>scope: webhooks</c> leaves them open.</summary>
    public bool CoversTools { get; init; } = true;
}

internal sealed record DeliverySettings
{
    /// <summary>How long a delivery keeps being retried before its final failure is recorded.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromHours(1);
    public int Workers { get; init; } = 4;

    /// <summary>
    /// Identical groups received within this window are sent once (Alertmanager HA pairs post the same
    /// group within seconds; its own retries come within the flush timeout, at least 10 s). Shorter than the
    /// shortest sensible repeat_interval, so genuine repeats still go out.
    /// </summary>
    public TimeSpan DedupeWindow { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan RenderTimeout { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>A named plugin section (<c>channels.ops-ding</c>) and its <c>type:</c>.</summary>
internal sealed record PluginSection(string Kind, string Name, string Type, PluginSettings Settings);

/// <summary>A receiver: which renderers draw its charts, where they are stored, which channels get its notifications.</summary>
/// <param name="Renderers">In order; each contributes its images within <see cref="MaxCharts"/>.</param>
internal sealed record ReceiverSettings(string Name, IReadOnlyList<string> Renderers, string? Store, IReadOnlyList<string> Channels,
    SourceLocation Location, string Path)
{
    /// <summary>Default chart budget: enough for a group's worst alerts, few enough that a storm stays cheap to draw.</summary>
    public const int DefaultMaxCharts = 6;

    /// <summary>Default wait after which a rate-limited channel's backlog becomes a digest.</summary>
    public static readonly TimeSpan DefaultDigestAfter = TimeSpan.FromSeconds(60);

    /// <summary>Where each channel reference is written, for error messages.</summary>
    public IReadOnlyList<SourceLocation> ChannelLocations { get; init; } = [];

    /// <summary>At most this many charts per notification, most severe and firing alerts first (0: none).</summary>
    public int MaxCharts { get; init; } = DefaultMaxCharts;

    /// <summary>
    /// A notification to a rate-limited channel that would wait longer than this is merged with the rest of the
    /// channel's backlog into one digest; null turns digests off (the backlog then drains in order).
    /// </summary>
    public TimeSpan? DigestAfter { get; init; } = DefaultDigestAfter;

    /// <summary>The catch-all receiver <c>*</c> takes every receiver name that is not configured.</summary>
    public bool IsCatchAll => Name == "*";
}
