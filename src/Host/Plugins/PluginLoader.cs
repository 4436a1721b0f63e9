using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Abstractions.Templating;

namespace Promoter.Host.Plugins;

/// <summary>
/// Loads each folder under the plugins directory into its own load context, probes it eagerly (all types
/// and every dependency it references) so that a broken plugin fails when it is loaded rather than at the first
/// alert, and registers it into a service collection of its own. Plugins whose manifest says what they provide
/// are loaded only once a configuration uses it. A broken plugin is reported with a reason
/// and the others keep working. Plugins are code with the host's rights: only operators may write there.
/// </summary>
internal sealed partial class PluginLoader(IServiceProvider hostServices, ILogger<PluginLoader> logger)
{
    private readonly Lock _deferredLock = new();

    /// <summary>What each loaded folder held when it was loaded, to tell a replaced folder on reload.</summary>
    private readonly Dictionary<string, (string Fingerprint, string Id, PluginLoadContext Context)> _loaded = new(StringComparer.Ordinal);

    /// <summary>How long a swapped-out plugin's load context lives before it is unloaded: the replaced configuration's
    /// instances are disposed after <see cref="Runtime.RuntimeHolder.RetiredGrace"/>, and nothing may still run its code.</summary>
    internal static TimeSpan UnloadDelay { get; set; } = Runtime.RuntimeHolder.RetiredGrace + TimeSpan.FromMinutes(1);

    /// <summary>
    /// Loads the plugins folder. With <paramref name="deferUnused"/>, a plugin whose manifest declares <c>provides</c>
    /// (and no templates) waits until a configuration uses one of its types: building a runtime asks for them through
    /// <see cref="PluginCatalog.EnsureLoaded"/>, so an unused S3 store or chat channel costs no memory. Without it
    /// every plugin is loaded and checked (<c>promoter plugins</c>, the one-shot tools).
    /// </summary>
    public PluginCatalog Load(string pluginsDirectory, PluginCatalog? into = null, bool deferUnused = false)
    {
        var catalog = into ?? new PluginCatalog();
        if (!Directory.Exists(pluginsDirectory))
        {
            LogNoPluginsDirectory(logger, pluginsDirectory);
            return catalog;
        }

        var deferred = new List<(string Folder, PluginManifest Manifest)>();
        foreach (var folder in Directory.GetDirectories(pluginsDirectory).Order(StringComparer.Ordinal))
        {
            if (deferUnused && PluginManifest.Read(folder) is ({ Provides: { Count: > 0 } provides } manifest, _)
                && !provides.Contains(PluginManifest.TemplatesClaim))
            {
                deferred.Add((folder, manifest));
                catalog.Record(new PluginStatus(Path.GetFileName(folder), manifest.Id, manifest.Version, manifest.Contract,
                    PluginState.Available, null, provides));
                continue;
            }

            Report(LoadOne(folder, catalog), catalog, folder);
        }

        catalog.RescanFolder = () =>
        {
            lock (_deferredLock)
            {
                Rescan(pluginsDirectory, catalog, deferred);
            }
        };
        var firstConfiguration = deferUnused;
        catalog.LoadDeferred = claims =>
        {
            lock (_deferredLock)
            {
                foreach (var (folder, manifest) in deferred.Where(d => d.Manifest.Provides!.Any(claims.Contains)).ToList())
                {
                    deferred.RemoveAll(d => d.Folder == folder);
                    // A plugin retired at start kept its templates in the catalog; its load adds them again.
                    if (catalog.TemplateOwners.Remove(manifest.Id!, out var kept))
                    {
                        catalog.TemplateSources.RemoveAll(kept.Contains);
                    }

                    Report(LoadOne(folder, catalog), catalog, folder);
                }

                if (firstConfiguration)
                {
                    firstConfiguration = false;
                    RetireUnused(pluginsDirectory, catalog, claims, deferred);
                }
            }
        };
        return catalog;
    }

    /// <summary>
    /// At start, after the first configuration has said which types it uses: a plugin loaded only for its templates
    /// (a chat channel nobody configured) is unloaded again, keeping its template texts in the catalog, because every
    /// template set includes them and a user's template may call them by name. Its code, mapped files and services go;
    /// in the storm benchmark the eight unused chat channels were about 10 MiB of an idle host's RSS. It waits like a
    /// deferred plugin and loads again when a later configuration uses one of its types. Only at start: after that,
    /// a running configuration's instances may still be draining on a plugin's factories.
    /// </summary>
    private void RetireUnused(string pluginsDirectory, PluginCatalog catalog, IReadOnlySet<string> claims, List<(string Folder, PluginManifest Manifest)> deferred)
    {
        var retired = 0;
        foreach (var (folder, loaded) in _loaded.ToList())
        {
            if (PluginManifest.Read(folder) is not ({ Provides: { Count: > 0 } provides } manifest, _)
                || !provides.Contains(PluginManifest.TemplatesClaim)
                || provides.Any(claims.Contains)
                || provides.All(p => p == PluginManifest.TemplatesClaim)
                || manifest.Id != loaded.Id)
            {
                continue;
            }

            var providers = catalog.Remove(loaded.Id);
            foreach (var provider in providers.OfType<IDisposable>())
            {
                provider.Dispose();
            }

            _loaded.Remove(folder);
            deferred.Add((folder, manifest));
            catalog.Record(new PluginStatus(Path.GetFileName(folder), manifest.Id, manifest.Version, manifest.Contract,
                PluginState.Available, null, provides));
            loaded.Context.Unload();
            retired++;
        }

        if (retired > 0)
        {
            LogPluginsRetired(logger, retired, pluginsDirectory);
            // One collection, once, at start, so that the unloaded contexts' memory is returned now rather than whenever
            // the next full collection happens to run.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
    }

    /// <summary>
    /// On reload: a folder that appeared is loaded (or waits, like at startup, when its manifest says what it provides);
    /// a loaded folder whose files changed is loaded anew into a new context against the other plugins' registrations and,
    /// only when that succeeds, swapped in: the next configuration is built from the new factories, the replaced one's
    /// instances drain and are disposed as on any reload, and the old context is unloaded after that. A replacement that
    /// fails is reported and the running version stays. A removed folder keeps its plugin until a restart.
    /// </summary>
    private void Rescan(string pluginsDirectory, PluginCatalog catalog, List<(string Folder, PluginManifest Manifest)> deferred)
    {
        if (!Directory.Exists(pluginsDirectory))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(pluginsDirectory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (_loaded.TryGetValue(folder, out var current))
            {
                if (Fingerprint(folder) == current.Fingerprint)
                {
                    continue;
                }

                var scratch = catalog.Without(current.Id);
                var status = LoadOne(folder, scratch);
                if (status.State != PluginState.Loaded)
                {
                    var running = catalog.Plugins.FirstOrDefault(p => p.Folder == name);
                    LogReplacementFailed(logger, name, status.Error!);
                    catalog.Record((running ?? status) with { Error = $"the replacement in the folder failed to load, the running version stays: {status.Error}" });
                    continue;
                }

                catalog.Swap(current.Id, scratch, status.Id!);
                Report(status, catalog, folder);
                LogPluginReplaced(logger, name, status.Id!, status.Version!);
                var old = current.Context;
                _ = Task.Delay(UnloadDelay).ContinueWith(_ => old.Unload(), TaskScheduler.Default);
                continue;
            }

            if (catalog.Plugins.Any(p => p.Folder == name && p.State == PluginState.Available) || deferred.Any(d => d.Folder == folder))
            {
                continue; // waits for a configuration that uses it; it is read from the folder when it loads
            }

            if (catalog.Plugins.FirstOrDefault(p => p.Folder == name) is { State: PluginState.Failed }
                && _failedFingerprints.TryGetValue(folder, out var seen) && seen == Fingerprint(folder))
            {
                continue; // still the same broken files: reported already
            }

            var loaded = LoadOne(folder, catalog);
            Report(loaded, catalog, folder);
        }
    }

    private readonly Dictionary<string, string> _failedFingerprints = new(StringComparer.Ordinal);

    /// <summary>Names, sizes and write times of every file in the folder: changes when a deployment replaces it.</summary>
    internal static string Fingerprint(string folder)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            sb.Append(Path.GetRelativePath(folder, file)).Append('|').Append(info.Length).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }

        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private void Report(PluginStatus status, PluginCatalog catalog, string folder)
    {
        catalog.Record(status);
        if (status.State == PluginState.Loaded)
        {
            LogPluginLoaded(logger, status.Id!, status.Version!, string.Join(", ", status.Provides));
        }
        else
        {
            LogPluginFailed(logger, Path.GetFileName(folder), status.Error!);
        }
    }

    private PluginStatus LoadOne(string folder, PluginCatalog catalog)
    {
        var name = Path.GetFileName(folder);
        // Taken before reading anything, so that a folder changed while it loads is seen as changed on the next reload.
        var fingerprint = Fingerprint(folder);
        var (manifest, problem) = PluginManifest.Read(folder);
        if (manifest is null)
        {
            return Failed(problem!);
        }

        if (ContractRefusal(Version.Parse(manifest.Contract!), PromoterContract.Version) is { } refusal)
        {
            return Failed(refusal);
        }

        var entryPath = Path.Combine(folder, manifest.EntryAssembly!);
        if (!File.Exists(entryPath))
        {
            return Failed($"entry assembly {manifest.EntryAssembly} is not in the plugin folder");
        }

        if (File.Exists(Path.Combine(folder, "Promoter.Abstractions.dll")))
        {
            // Harmless at run time (the host's copy wins) but a sign of a wrong build; say so.
            LogPluginShipsContract(logger, manifest.Id!);
        }

        Assembly assembly;
        var context = new PluginLoadContext(entryPath, $"plugin:{manifest.Id}");
        try
        {
            assembly = context.LoadFromAssemblyPath(Path.GetFullPath(entryPath));
            ProbeDependencies(context, assembly);
            _ = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            var first = e.LoaderExceptions.FirstOrDefault(x => x is not null);
            return Failed($"a type could not be loaded: {first?.Message ?? e.Message}");
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return Failed($"missing or unloadable dependency: {e.Message}");
        }

        var entryTypes = assembly.GetExportedTypes()
            .Where(t => typeof(IPromoterPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToList();
        if (entryTypes.Count == 0)
        {
            return Failed($"{manifest.EntryAssembly} has no public class implementing IPromoterPlugin");
        }

        var services = new ServiceCollection();
        AddHostServices(services);
        var provides = new List<string>();
        IServiceProvider provider;
        try
        {
            foreach (var type in entryTypes)
            {
                var plugin = (IPromoterPlugin)Activator.CreateInstance(type)!;
                plugin.Register(services, new PluginContext(manifest.Id!, folder, PromoterContract.Version));
            }

            provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            var channels = provider.GetServices<IChannelFactory>().ToList();
            var stores = provider.GetServices<IImageStoreFactory>().ToList();
            var renderers = provider.GetServices<IAlertRendererFactory>().ToList();
            var templates = provider.GetServices<TemplateSource>().ToList();

            if (manifest.Provides is { Count: > 0 } declared)
            {
                var registered = channels.Select(f => $"channel:{f.Type}").Concat(stores.Select(f => $"store:{f.Type}"))
                    .Concat(renderers.Select(f => $"renderer:{f.Type}")).Concat(templates.Count > 0 ? [PluginManifest.TemplatesClaim] : [])
                    .Order(StringComparer.Ordinal).ToList();
                if (!registered.SequenceEqual(declared.Distinct().Order(StringComparer.Ordinal)))
                {
                    return Failed($"{PluginManifest.FileName} declares provides [{string.Join(", ", declared)}] but the plugin registers " +
                        $"[{string.Join(", ", registered)}]: correct 'provides' (the host loads a plugin only when the configuration uses a type it declares)");
                }
            }

            // Check every claim before taking any, so that a conflicting plugin adds nothing.
            foreach (var f in channels)
            {
                EnsureFree(catalog.Channels, f.Type, "channel");
            }

            foreach (var f in stores)
            {
                EnsureFree(catalog.Stores, f.Type, "store");
            }

            foreach (var f in renderers)
            {
                EnsureFree(catalog.Renderers, f.Type, "renderer");
            }

            foreach (var f in channels)
            {
                catalog.Channels[f.Type] = new(f, manifest.Id!, provider);
                provides.Add($"channel:{f.Type}");
            }

            foreach (var f in stores)
            {
                catalog.Stores[f.Type] = new(f, manifest.Id!, provider);
                provides.Add($"store:{f.Type}");
            }

            foreach (var f in renderers)
            {
                catalog.Renderers[f.Type] = new(f, manifest.Id!, provider);
                provides.Add($"renderer:{f.Type}");
            }

            catalog.TemplateSources.AddRange(templates);
            catalog.TemplateOwners[manifest.Id!] = templates;
            if (templates.Count > 0)
            {
                provides.Add($"templates:{templates.Count}");
            }
        }
        catch (PluginConflictException e)
        {
            return Failed(e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Failed($"registration failed: {e.GetType().Name}: {e.Message}");
        }

        _loaded[folder] = (fingerprint, manifest.Id!, context);
        _failedFingerprints.Remove(folder);
        return new PluginStatus(name, manifest.Id, manifest.Version, manifest.Contract, PluginState.Loaded, null, provides);

        PluginStatus Failed(string reason)
        {
            _failedFingerprints[folder] = fingerprint;
            return new(name, manifest?.Id, manifest?.Version, manifest?.Contract, PluginState.Failed, reason, []);
        }
    }

    /// <summary>
    /// Why a plugin built against contract <paramref name="required"/> cannot run on a host providing
    /// <paramref name="host"/>, or null when it can: same major, and a minor not newer than the host's (the contract only
    /// grows within a major, and Promoter.Abstractions keeps AssemblyVersion at major.0.0.0 so the binding holds).
    /// </summary>
    internal static string? ContractRefusal(Version required, Version host)
    {
        if (required.Major == host.Major && required.Minor <= host.Minor)
        {
            return null;
        }

        if (required.Major < host.Major)
        {
            return $"needs contract {required}, this host provides {host}: contract {host.Major}.0 changed or removed types that " +
                $"contract {required.Major}.x plugins use; rebuild the plugin against the Promoter.Abstractions {host.Major}.x package";
        }

        return $"needs contract {required}, this host provides {host}: upgrade Promoter, or use a plugin build for contract {host.Major}.{host.Minor} or older within {host.Major}.x";
    }

    private static void EnsureFree<T>(Dictionary<string, Registered<T>> map, string type, string kind)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new PluginConflictException($"a {kind} factory has an empty Type");
        }

        if (map.TryGetValue(type, out var existing))
        {
            throw new PluginConflictException($"{kind} type '{type}' is already provided by {existing.PluginId}");
        }
    }

    /// <summary>What the host lends every plugin: logging, time, HTTP clients and metrics.</summary>
    private void AddHostServices(IServiceCollection services)
    {
        services.AddSingleton(hostServices.GetRequiredService<ILoggerFactory>());
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(hostServices.GetRequiredService<TimeProvider>());
        if (hostServices.GetService<IHttpClientFactory>() is { } http)
        {
            services.AddSingleton(http);
        }

        if (hostServices.GetService<System.Diagnostics.Metrics.IMeterFactory>() is { } meters)
        {
            services.AddSingleton(meters);
        }
    }

    /// <summary>
    /// Loads, transitively, every assembly the plugin references, so that a dependency missing from the
    /// folder is reported now and not on the first alert that happens to need it.
    /// </summary>
    private static void ProbeDependencies(PluginLoadContext context, Assembly entry)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { entry.FullName! };
        var queue = new Queue<Assembly>([entry]);
        while (queue.Count > 0)
        {
            var a = queue.Dequeue();
            foreach (var reference in a.GetReferencedAssemblies())
            {
                if (!seen.Add(reference.FullName))
                {
                    continue;
                }

                var loaded = context.LoadFromAssemblyName(reference);
                // Only walk what the plugin brought; the framework is the host's business.
                if (System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(loaded) == context)
                {
                    queue.Enqueue(loaded);
                }
                else if (!PluginLoadContext.IsSharedWithHost(reference) && !IsFramework(loaded))
                {
                    // Resolved from the host's own files: the plugin would work here by accident and break
                    // with the next host build. Its dependencies must be in its folder.
                    throw new FileNotFoundException(
                        $"{reference.Name} {reference.Version} is not in the plugin folder (publish the plugin with its dependencies)");
                }
            }
        }
    }

    private static readonly string[] FrameworkDirectories =
    [
        Path.GetDirectoryName(typeof(object).Assembly.Location)!,
        Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location)!,
    ];

    private static bool IsFramework(Assembly assembly) =>
        assembly.Location.Length == 0
        || FrameworkDirectories.Any(d => assembly.Location.StartsWith(d + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin folder {Folder} was replaced: {Id} {Version} swapped in; the previous version is disposed with the replaced configuration")]
    private static partial void LogPluginReplaced(ILogger logger, string folder, string id, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plugin folder {Folder} was replaced but the new files failed to load, keeping the running version: {Reason}")]
    private static partial void LogReplacementFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} plugin(s) in {Directory} provide only types the configuration does not use: unloaded again, their templates kept; each loads when a configuration uses it")]
    private static partial void LogPluginsRetired(ILogger logger, int count, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugins folder {Directory} does not exist; no plugins loaded")]
    private static partial void LogNoPluginsDirectory(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin {Id} {Version} loaded: {Provides}")]
    private static partial void LogPluginLoaded(ILogger logger, string id, string version, string provides);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plugin in folder {Folder} failed to load: {Reason}")]
    private static partial void LogPluginFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugin {Id} ships its own Promoter.Abstractions.dll; the host's copy is used. Reference Abstractions with Private=false.")]
    private static partial void LogPluginShipsContract(ILogger logger, string id);
}

internal sealed class PluginConflictException(string message) : Exception(message);
