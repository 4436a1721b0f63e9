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

    /// <summary>Which plugin added which template sources, so that a replaced plugin's templates go with it.</summary>
    internal Dictionary<string, List<TemplateSource>> TemplateOwners { get; } = new(StringComparer.Ordinal);

    /// <summary>Looks at the plugins folder again (set by the loader): new folders load, replaced ones are swapped.</summary>
    internal Action? RescanFolder { get; set; }

    /// <summary>Loads plugin folders that appeared and swaps replaced ones; called by every reload.</summary>
    public void Rescan() => RescanFolder?.Invoke();

    /// <summary>A copy of the registrations without <paramref name="pluginId"/>'s, to load its replacement against.</summary>
    internal PluginCatalog Without(string pluginId)
    {
        var copy = new PluginCatalog();
        foreach (var (k, v) in Channels.Where(e => e.Value.PluginId != pluginId)) copy.Channels[k] = v;
        foreach (var (k, v) in Stores.Where(e => e.Value.PluginId != pluginId)) copy.Stores[k] = v;
        foreach (var (k, v) in Renderers.Where(e => e.Value.PluginId != pluginId)) copy.Renderers[k] = v;
        return copy;
    }

    /// <summary>
    /// Removes <paramref name="pluginId"/>'s factories (its templates stay); returns the service providers they came
    /// from, for the caller to dispose.
    /// </summary>
    internal IReadOnlyList<IServiceProvider> Remove(string pluginId)
    {
        var providers = Channels.Values.Where(r => r.PluginId == pluginId).Select(r => r.Services)
            .Concat(Stores.Values.Where(r => r.PluginId == pluginId).Select(r => r.Services))
            .Concat(Renderers.Values.Where(r => r.PluginId == pluginId).Select(r => r.Services))
            .Distinct().ToList();
        RemoveAll(Channels, pluginId);
        RemoveAll(Stores, pluginId);
        RemoveAll(Renderers, pluginId);
        return providers;
    }

    private static void RemoveAll<T>(Dictionary<string, Registered<T>> map, string id)
    {
        foreach (var key in map.Where(e => e.Value.PluginId == id).Select(e => e.Key).ToList())
        {
            map.Remove(key);
        }
    }

    /// <summary>Replaces <paramref name="oldId"/>'s registrations with <paramref name="newId"/>'s from <paramref name="loaded"/>.</summary>
    internal void Swap(string oldId, PluginCatalog loaded, string newId)
    {
        Remove(Channels, oldId);
        Remove(Stores, oldId);
        Remove(Renderers, oldId);
        foreach (var (k, v) in loaded.Channels.Where(e => e.Value.PluginId == newId)) Channels[k] = v;
        foreach (var (k, v) in loaded.Stores.Where(e => e.Value.PluginId == newId)) Stores[k] = v;
        foreach (var (k, v) in loaded.Renderers.Where(e => e.Value.PluginId == newId)) Renderers[k] = v;
        if (TemplateOwners.Remove(oldId, out var old))
        {
            TemplateSources.RemoveAll(old.Contains);
        }

        if (loaded.TemplateOwners.TryGetValue(newId, out var added))
        {
            TemplateSources.AddRange(added);
            TemplateOwners[newId] = added;
        }

        static void Remove<T>(Dictionary<string, Registered<T>> map, string id)
        {
            foreach (var key in map.Where(e => e.Value.PluginId == id).Select(e => e.Key).ToList())
            {
                map.Remove(key);
            }
        }
    }

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
