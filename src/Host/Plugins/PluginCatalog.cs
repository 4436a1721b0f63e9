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
    public List<PluginStatus> Plugins { get; } = [];
    public Dictionary<string, Registered<IChannelFactory>> Channels { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Registered<IImageStoreFactory>> Stores { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Registered<IAlertRendererFactory>> Renderers { get; } = new(StringComparer.Ordinal);
    public List<TemplateSource> TemplateSources { get; } = [];

    public int FailedCount => Plugins.Count(p => p.State == PluginState.Failed);

    /// <summary>Loads the plugins left unloaded that provide a type the configuration uses (set by the loader).</summary>
    internal Action<IReadOnlySet<string>>? LoadDeferred { get; set; }

    /// <summary>Makes sure every plugin providing one of <paramref name="claims"/> ("channel:slack") is loaded.</summary>
    public void EnsureLoaded(IReadOnlySet<string> claims) => LoadDeferred?.Invoke(claims);
}
