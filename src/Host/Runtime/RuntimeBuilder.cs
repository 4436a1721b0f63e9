using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Host.Configuration;
using Promoter.Host.Plugins;
using Promoter.Host.Templates;

namespace Promoter.Host.Runtime;

/// <summary>
/// Builds a <see cref="PromoterRuntime"/> from settings: each section is handed to the factory its
/// <c>type:</c> names, whose <c>Validate</c> checks it; every problem of every section is collected before deciding,
/// and only when there is none are the instances created (<c>Create</c>). With <paramref name="createInstances"/>
/// false (check-config) nothing is created at all.
/// </summary>
internal sealed class RuntimeBuilder(PluginCatalog catalog, TimeProvider time, bool createInstances = true)
{
    public (PromoterRuntime? Runtime, ConfigDiagnostics Diagnostics) Build(LoadedConfig config)
    {
        var diagnostics = config.Diagnostics;
        if (config.Settings is not { } settings)
        {
            return (null, diagnostics);
        }

        // A reload may use a type whose plugin was left unloaded so far.
        catalog.EnsureLoaded(Cli.HostBootstrap.PluginClaims(settings));

        var templates = GoTemplateRenderer.Create(catalog.TemplateSources, settings.TemplateGlobs, diagnostics,
            new SourceLocation(config.Source, 0, 0));

        // Creation waits until every section validated: nothing is built for a configuration that is refused.
        var creates = new List<Action>();
        var renderers = new Dictionary<string, IAlertRenderer>(StringComparer.Ordinal);
        foreach (var section in settings.Renderers)
        {
            if (Resolve(catalog.Renderers, section, diagnostics, catalog) is { } reg)
            {
                var setup = new RendererSetup
                {
                    Name = section.Name,
                    Settings = section.Settings,
                    Services = reg.Services,
                };
                Validate(section, diagnostics, () => reg.Factory.Validate(setup));
                creates.Add(() => Create(section, diagnostics, () => reg.Factory.Create(setup), r => renderers[section.Name] = r));
            }
        }

        var stores = new Dictionary<string, IImageStore>(StringComparer.Ordinal);
        foreach (var section in settings.Stores)
        {
            if (Resolve(catalog.Stores, section, diagnostics, catalog) is { } reg)
            {
                var setup = new StoreSetup
                {
                    Name = section.Name,
                    Settings = section.Settings,
                    HostPublicUrl = settings.PublicUrl,
                    HostPublicUrlIsPublic = settings.PublicUrlIsPublic,
                    DataDirectory = settings.DataDirectory,
                    Services = reg.Services,
                };
                Validate(section, diagnostics, () => reg.Factory.Validate(setup));
                creates.Add(() => Create(section, diagnostics, () => reg.Factory.Create(setup), s => stores[section.Name] = s));
            }
        }

        var channels = new Dictionary<string, ChannelInstance>(StringComparer.Ordinal);
        foreach (var section in settings.Channels)
        {
            if (Resolve(catalog.Channels, section, diagnostics, catalog) is { } reg)
            {
                var setup = new Abstractions.Channels.ChannelSetup
                {
                    Name = section.Name,
                    Settings = section.Settings,
                    Templates = templates,
                    Services = reg.Services,
                    // Only an explicit public_url: the default (localhost) would make links nobody can open.
                    PublicUrl = settings.PublicUrlIsPublic ? settings.PublicUrl : null,
                };
                Validate(section, diagnostics, () => reg.Factory.Validate(setup));
                creates.Add(() => Create(section, diagnostics, () => reg.Factory.Create(setup),
                    c => channels[section.Name] = new ChannelInstance(section.Name, section.Type, c)));
            }
        }

        var secrets = new List<string>();
        foreach (var s in settings.Renderers.Concat(settings.Stores).Concat(settings.Channels))
        {
            secrets.AddRange(s.Settings.Secrets);
        }

        if (settings.Auth.BearerToken is { } t) secrets.Add(t);
        if (settings.Auth.BasicPassword is { } p) secrets.Add(p);
        if (settings.Auth.HeaderValue is { } h) secrets.Add(h);

        if (diagnostics.HasErrors || !createInstances)
        {
            return (null, diagnostics);
        }

        foreach (var create in creates)
        {
            create();
        }

        if (diagnostics.HasErrors)
        {
            DisposeAll(renderers.Values.Concat<object>(stores.Values).Concat(channels.Values.Select(c => c.Channel)));
            return (null, diagnostics);
        }

        return (new PromoterRuntime
        {
            Settings = settings,
            Source = config.Source,
            LoadedAt = time.GetUtcNow(),
            Templates = templates,
            Renderers = renderers,
            Stores = stores,
            Channels = channels,
            Secrets = secrets.Where(s => s.Length >= 4).Distinct().ToList(),
        }, diagnostics);
    }

    private static Registered<T>? Resolve<T>(Dictionary<string, Registered<T>> factories, PluginSection section, ConfigDiagnostics diagnostics,
        PluginCatalog catalog)
    {
        if (factories.TryGetValue(section.Type, out var reg))
        {
            return reg;
        }

        var kind = section.Kind.TrimEnd('s');
        // Types of plugins not loaded (nothing used them yet) are as valid a suggestion as loaded ones.
        var waiting = catalog.Plugins.Where(p => p.State == PluginState.Available).SelectMany(p => p.Provides)
            .Where(c => c.StartsWith(kind + ":", StringComparison.Ordinal)).Select(c => c[(kind.Length + 1)..]);
        var known = factories.Keys.Concat(waiting).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        diagnostics.Add(section.Settings.Node["type"]?.Location ?? section.Settings.Node.Location, $"{section.Settings.Path}.type",
            $"no {kind} plugin handles type '{section.Type}'",
            known.Count == 0
                ? $"no {kind} plugins are loaded: check plugins_dir and run `promoter plugins`"
                : $"use one of: {string.Join(", ", known)} (or install the plugin and check `promoter plugins`)");
        return null;
    }

    private static void Validate(PluginSection section, ConfigDiagnostics diagnostics, Func<IReadOnlyList<ConfigError>> validate)
    {
        try
        {
            // The factory reports its problems to the section's diagnostics (the same object) and returns them too.
            validate();
            section.Settings.ReportUnknownKeys();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A factory should report through the settings; one that throws is still reported, not fatal.
            diagnostics.Add(section.Settings.Node.Location, section.Settings.Path,
                $"the {section.Type} plugin rejected this section: {e.Message}", "check the section against the plugin's documentation");
        }
    }

    private static void Create<T>(PluginSection section, ConfigDiagnostics diagnostics, Func<T> create, Action<T> keep)
    {
        var before = diagnostics.Errors.Count;
        try
        {
            var instance = create();
            if (diagnostics.Errors.Count == before)
            {
                keep(instance);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Validate accepted the section, so this is the plugin failing to build (a client library refusing).
            diagnostics.Add(section.Settings.Node.Location, section.Settings.Path,
                $"the {section.Type} plugin could not create '{section.Name}': {e.Message}", "check the section against the plugin's documentation");
        }
    }

    private static void DisposeAll(IEnumerable<object> instances)
    {
        foreach (var instance in instances)
        {
            try
            {
                (instance as IDisposable)?.Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Best effort: these instances were never used.
            }
        }
    }
}
