using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Configuration;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Plugins;

namespace Promoter.Host.Runtime;

/// <summary>
/// Holds the running configuration and replaces it on reload (SIGHUP, POST /-/reload) only when the new one
/// is valid: a bad file is rejected with all its errors and the running configuration stays.
/// </summary>
internal sealed partial class RuntimeHolder(
    string? configPath,
    ConfigOverrides overrides,
    PluginCatalog catalog,
    TimeProvider time,
    PromoterMetrics metrics,
    ILogger<RuntimeHolder> logger)
{
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private PromoterRuntime? _current;

    public PromoterRuntime Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("No configuration is loaded yet.");

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    public PluginCatalog Catalog => catalog;

    /// <summary>Loads (or reloads) the configuration; returns the errors when it was rejected.</summary>
    public async Task<IReadOnlyList<ConfigError>> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadLock.WaitAsync(cancellationToken);
        try
        {
            var loaded = ConfigLoader.Load(configPath, overrides);
            var (runtime, diagnostics) = new RuntimeBuilder(catalog, time).Build(loaded);
            if (runtime is null)
            {
                metrics.SetReload(false, time.GetUtcNow());
                foreach (var e in diagnostics.Errors)
                {
                    LogConfigError(logger, e.ToString());
                }

                LogReloadRejected(logger, loaded.Source, diagnostics.Errors.Count, _current is not null);
                return diagnostics.Errors;
            }

            if (_current is { } old && old.Settings.Listen != runtime.Settings.Listen)
            {
                LogListenChangeIgnored(logger, old.Settings.Listen, runtime.Settings.Listen);
            }

            Volatile.Write(ref _current, runtime);
            metrics.SetReload(true, runtime.LoadedAt);
            LogLoaded(logger, loaded.Source, runtime.Settings.Receivers.Count, runtime.Channels.Count);
            return [];
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: {Error}")]
    private static partial void LogConfigError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration {Source} rejected with {Count} error(s); keeping the running configuration: {KeptOld}")]
    private static partial void LogReloadRejected(ILogger logger, string source, int count, bool keptOld);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration {Source} loaded: {Receivers} receiver(s), {Channels} channel(s)")]
    private static partial void LogLoaded(ILogger logger, string source, int receivers, int channels);

    [LoggerMessage(Level = LogLevel.Warning, Message = "listen changed from {Old} to {New}; a restart is needed for that to take effect")]
    private static partial void LogListenChangeIgnored(ILogger logger, string old, string @new);
}
