using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Abstractions.Templating;

namespace Promoter.Host.Plugins;

internal enum PluginState
{
    Loaded,
    Failed,

    /// <summary>Found and its manifest valid, but not loaded: the configuration uses none of its types.</summary>
    Available,
}

/// <summary>What the host knows about one plugin folder (shown by <c>promoter plugins</c> and /api/v1/plugins).</summary>
internal sealed record PluginStatus(
    string Folder,
    string? Id,
    string? Version,
    string? Contract,
    PluginState State,
    string? Error,
    IReadOnlyList<string> Provides);

/// <summary>A factory together with the service provider of the plugin that registered it.</summary>
internal sealed record Registered<T>(T Factory, string PluginId, IServiceProvider Services);

/// <summary>Every factory the loaded plugins (and the host's built-ins) provide, by <c>type:</c>.</summary>
internal sealed class PluginCatalog
{
    private readonly Lock _statusLock = new();
    private readonly List<PluginStatus> _plugins = [];

    /// <summary>A snapshot: a reload that loads a waiting plugin changes the statuses while the API or /metrics read them.</summary>
    public IReadOnlyList<PluginStatus> Plugins
    {
        get
        {
            lock (_statusLock)
            {
                return _plugins.ToArray();
            }
        }
    }

    public Dictionary<string, Registered<IChannelFactory>> Channels { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Registered<IImageStoreFactory>> Stores { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Registered<IAlertRendererFactory>> Renderers { get; } = new(StringComparer.Ordinal);
    public List<TemplateSource> TemplateSources { get; } = [];

    public int FailedCount => Count(PluginState.Failed);

    public int Count(PluginState state) => Plugins.Count(p => p.State == state);

    /// <summary>Records a plugin folder's status, replacing an earlier one for the same folder.</summary>
    public void Record(PluginStatus status)
    {
        lock (_statusLock)
        {
            var index = _plugins.FindIndex(p => p.Folder == status.Folder);
            if (index >= 0)
            {
                _plugins[index] = status;
            }
            else
            {
                _plugins.Add(status);
            }
        }
    }

    /// <summary>Loads the plugins left unloaded that provide a type the configuration uses (set by the loader).</summary>
    internal Action<IReadOnlySet<string>>? LoadDeferred { get; set; }

    /// <summary>Makes sure every plugin providing one of <paramref name="claims"/> ("channel:slack") is loaded.</summary>
    public void EnsureLoaded(IReadOnlySet<string> claims) => LoadDeferred?.Invoke(claims);
}
