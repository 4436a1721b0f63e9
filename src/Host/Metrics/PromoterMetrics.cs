using System.Diagnostics.Metrics;
using System.Reflection;

namespace Promoter.Host.Metrics;

/// <summary>The host's instruments. Plugins create their own under the same meter name ("Promoter").</summary>
internal sealed class PromoterMetrics : IDisposable
{
    public const string MeterName = "Promoter";

    private readonly Meter _meter;
    private Plugins.PluginCatalog? _plugins;
    private int _lastReloadOk = 1;
    private double _lastReloadSeconds;
    private long _queueDepth;
    private double _oldestAgeSeconds;

    public PromoterMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        var version = typeof(PromoterMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        var shortVersion = plus < 0 ? version : version[..plus];
        _meter.CreateObservableGauge("promoter_build_info", () => new Measurement<long>(1,
            new("version", shortVersion), new("contract", Abstractions.PromoterContract.Version.ToString()),
            new("runtime", Environment.Version.ToString())), description: "Promoter's version; always 1.");
        _meter.CreateObservableGauge("promoter_config_last_reload_successful", () => Volatile.Read(ref _lastReloadOk),
            description: "Whether the last configuration (re)load succeeded.");
        _meter.CreateObservableGauge("promoter_config_last_reload_success_timestamp_seconds", () => Volatile.Read(ref _lastReloadSeconds),
            unit: "s", description: "When the configuration was last loaded successfully (Unix time).");
        _meter.CreateObservableGauge("promoter_plugins", () => Volatile.Read(ref _plugins) is { } catalog
            ? new[]
            {
                new Measurement<long>(catalog.Count(Plugins.PluginState.Loaded), new KeyValuePair<string, object?>("state", "loaded")),
                new Measurement<long>(catalog.Count(Plugins.PluginState.Failed), new KeyValuePair<string, object?>("state", "failed")),
                new Measurement<long>(catalog.Count(Plugins.PluginState.Available), new KeyValuePair<string, object?>("state", "available")),
            }
            : [], description: "Plugins by state: loaded, failed, or available (not loaded until a configuration uses it).");
        _meter.CreateObservableGauge("promoter_queue_depth", () => Interlocked.Read(ref _queueDepth),
            description: "Deliveries waiting to be sent (pending or retrying).");
        _meter.CreateObservableGauge("promoter_queue_oldest_age_seconds", () => Volatile.Read(ref _oldestAgeSeconds),
            unit: "s", description: "Age of the oldest unfinished delivery.");

        WebhooksReceived = _meter.CreateCounter<long>("promoter_webhooks_received_total",
            description: "Webhook requests by receiver and result (accepted, duplicate, rejected, unavailable).");
        Deliveries = _meter.CreateCounter<long>("promoter_deliveries_total",
            description: "Finished deliveries by channel and result (success or failure reason).");
        Digests = _meter.CreateCounter<long>("promoter_digests_total",
            description: "Storm digests sent: a rate-limited channel's backlog merged into one message.");
        DeliveryAttempts = _meter.CreateCounter<long>("promoter_delivery_attempts_total",
            description: "Send attempts by channel and result.");
        Renders = _meter.CreateCounter<long>("promoter_renders_total",
            description: "Chart renders by renderer and result.");
        RenderDuration = _meter.CreateHistogram<double>("promoter_render_duration_seconds", unit: "s",
            description: "Time to render (and store) the charts of one alert.");
        StoreSaves = _meter.CreateCounter<long>("promoter_store_saves_total",
            description: "Charts given to an image store, by store and outcome: stored, rejected (not an image a renderer makes, or over max_size), failed.");
        StoreDeleted = _meter.CreateCounter<long>("promoter_store_deleted_total",
            description: "Images deleted by the hourly retention sweep, by store.");
        TemplateErrors = _meter.CreateCounter<long>("promoter_template_errors_total",
            description: "Channel templates that failed; a minimal built-in message was sent instead.");
        WebhookDuration = _meter.CreateHistogram<double>("promoter_webhook_duration_seconds", unit: "s",
            description: "Time from webhook request to durable acknowledgement.");
    }

    public Counter<long> WebhooksReceived { get; }
    public Counter<long> Deliveries { get; }
    public Counter<long> Digests { get; }
    public Counter<long> DeliveryAttempts { get; }
    public Counter<long> Renders { get; }
    public Histogram<double> RenderDuration { get; }
    public Counter<long> StoreSaves { get; }
    public Counter<long> StoreDeleted { get; }
    public Counter<long> TemplateErrors { get; }
    public Histogram<double> WebhookDuration { get; }

    /// <summary>Reports the catalog's plugins on every scrape (a reload may load one that was waiting).</summary>
    public void ObservePlugins(Plugins.PluginCatalog catalog) => Volatile.Write(ref _plugins, catalog);

    public void SetReload(bool ok, DateTimeOffset at)
    {
        Volatile.Write(ref _lastReloadOk, ok ? 1 : 0);
        if (ok)
        {
            Volatile.Write(ref _lastReloadSeconds, at.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    public void SetQueue(long depth, TimeSpan oldestAge)
    {
        Interlocked.Exchange(ref _queueDepth, depth);
        Volatile.Write(ref _oldestAgeSeconds, oldestAge.TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();
}
