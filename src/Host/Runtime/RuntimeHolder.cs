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
    /// <summary>
    /// How long a replaced configuration's components live on before they are disposed: longer than any
    /// delivery that may still use them (a render of up to 10 minutes plus a 5-minute send attempt).
    /// </summary>
    internal static readonly TimeSpan RetiredGrace = TimeSpan.FromMinutes(20);

    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private PromoterRuntime? _current;

    public PromoterRuntime Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("No configuration is loaded yet.");

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    public PluginCatalog Catalog => catalog;

    /// <summary>Reads a <c>*_file</c> secret as the configuration loader does: relative to the configuration file's folder
    /// (the template playground builds a channel from its section again).</summary>
    public string ReadSecretFile(string file) => File.ReadAllText(Path.GetFullPath(file,
        configPath is null ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? Environment.CurrentDirectory));

    /// <summary>Loads (or reloads) the configuration; returns the errors when it was rejected.</summary>
    public async Task<IReadOnlyList<ConfigError>> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadLock.WaitAsync(cancellationToken);
        try
        {
            // Plugin folders that appeared or were replaced since the last load (collectible contexts; see PluginLoader).
            catalog.Rescan();
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

            var retired = Interlocked.Exchange(ref _current, runtime);
            if (retired is not null)
            {
                _ = DisposeLaterAsync(retired);
            }

            metrics.SetReload(true, runtime.LoadedAt);
            LogLoaded(logger, loaded.Source, runtime.Settings.Receivers.Count, runtime.Channels.Count);
            foreach (var warning in ConfigWarnings.For(runtime))
            {
                LogConfigWarning(logger, warning.ToString());
            }

            return [];
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>The task disposing the last replaced configuration (tests wait on it).</summary>
    internal Task Retiring { get; private set; } = Task.CompletedTask;

    private Task DisposeLaterAsync(PromoterRuntime retired)
    {
        var task = DisposeAfterGraceAsync(retired);
        Retiring = task;
        return task;
    }

    private async Task DisposeAfterGraceAsync(PromoterRuntime retired)
    {
        await Task.Delay(RetiredGrace, time);
        IEnumerable<object> parts = [.. retired.Renderers.Values, .. retired.Stores.Values, .. retired.Channels.Values.Select(c => c.Channel)];
        foreach (var part in parts)
        {
            try
            {
                switch (part)
                {
                    case IAsyncDisposable a:
                        await a.DisposeAsync();
                        break;
                    case IDisposable d:
                        d.Dispose();
                        break;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogDisposeFailed(logger, part.GetType().Name, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disposing {Component} of a replaced configuration failed: {Error}")]
    private static partial void LogDisposeFailed(ILogger logger, string component, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: {Error}")]
    private static partial void LogConfigError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Configuration warning: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration {Source} rejected with {Count} error(s); keeping the running configuration: {KeptOld}")]
    private static partial void LogReloadRejected(ILogger logger, string source, int count, bool keptOld);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration {Source} loaded: {Receivers} receiver(s), {Channels} channel(s)")]
    private static partial void LogLoaded(ILogger logger, string source, int receivers, int channels);

    [LoggerMessage(Level = LogLevel.Warning, Message = "listen changed from {Old} to {New}; a restart is needed for that to take effect")]
    private static partial void LogListenChangeIgnored(ILogger logger, string old, string @new);
}
