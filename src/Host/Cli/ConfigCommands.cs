using Microsoft.Extensions.DependencyInjection;
using Promoter.Host.Configuration;
using Promoter.Host.Plugins;
using Promoter.Host.Runtime;

namespace Promoter.Host.Cli;

/// <summary><c>promoter check-config</c> and <c>promoter plugins</c>.</summary>
internal static class ConfigCommands
{
    /// <summary>Validates a configuration, plugin sections included; prints every error; 0 when valid.</summary>
    public static int CheckConfig(string? path, TextWriter stdout, TextWriter stderr)
    {
        var loaded = ConfigLoader.Load(path, new ConfigOverrides());
        if (loaded.Settings is null)
        {
            return Report(loaded.Source, loaded.Diagnostics.Errors, stdout, stderr);
        }

        using var services = HostBootstrap.CreateCliServices();
        var catalog = HostBootstrap.LoadPlugins(services, loaded.Settings, deferUnused: true);
        var (runtime, diagnostics) = new RuntimeBuilder(catalog, TimeProvider.System).Build(loaded);
        if (runtime is not null)
        {
            CheckChannelTemplates(loaded.Settings, runtime.Templates, diagnostics);
            foreach (var warning in ConfigWarnings.For(runtime))
            {
                stderr.WriteLine("warning: " + warning);
            }
        }

        // After the build, which loads the plugins the file uses: their failures explain its "no plugin handles" errors.
        foreach (var failed in catalog.Plugins.Where(p => p.State == PluginState.Failed))
        {
            stderr.WriteLine($"warning: plugin {failed.Folder} failed to load: {failed.Error}");
        }

        foreach (var warning in ReplicaChecks.Warnings(loaded.Settings))
        {
            stderr.WriteLine("warning: " + warning);
        }

        return Report(loaded.Source, diagnostics.Errors, stdout, stderr);
    }

    /// <summary>
    /// Parses every channel's <c>template:</c> texts (title, text, body…) with its profile. At run time a channel
    /// whose template does not parse sends its built-in fallback message (an alert is never lost to a typo), so
    /// serve keeps going; check-config is where the mistake must show, with its line and column.
    /// </summary>
    private static void CheckChannelTemplates(HostSettings settings, Abstractions.Templating.ITemplateRenderer templates,
        Abstractions.Configuration.ConfigDiagnostics diagnostics)
    {
        foreach (var channel in settings.Channels)
        {
            if (channel.Settings.Node["template"] is not Abstractions.Configuration.SettingsMapping template)
            {
                continue;
            }

            var profile = template["profile"] is Abstractions.Configuration.SettingsScalar { Value: { } p } ? p.Trim().ToLowerInvariant()
                : Abstractions.Templating.TemplateProfiles.Alertmanager;
            foreach (var (key, node) in template.Entries)
            {
                if (key == "profile" || node is not Abstractions.Configuration.SettingsScalar { Value: { } text })
                {
                    continue;
                }

                var path = channel.Settings.PathOf("template." + key);
                if (diagnostics.Errors.Any(e => e.Path == path))
                {
                    continue; // the channel reported it itself (the built-in log channel does)
                }

                try
                {
                    templates.Compile(path, text, profile);
                }
                catch (Abstractions.Templating.TemplateException e)
                {
                    diagnostics.Add(node.Location, path, e.Message, "fix the template text (Go text/template syntax; functions of the " + profile + " profile)");
                }
            }
        }
    }

    private static int Report(string source, IReadOnlyList<Abstractions.Configuration.ConfigError> errors, TextWriter stdout, TextWriter stderr)
    {
        if (errors.Count == 0)
        {
            stdout.WriteLine($"{source}: configuration is valid");
            return 0;
        }

        foreach (var e in errors.OrderBy(e => e.Location.Line).ThenBy(e => e.Location.Column))
        {
            stderr.WriteLine(e.ToString());
        }

        stderr.WriteLine($"{source}: {errors.Count} error(s)");
        return 1;
    }

    /// <summary>Converts a prometheus-webhook-dingtalk or Promoter (Go) configuration; writes it to stdout or a file.</summary>
    public static int ConvertConfig(string from, string path, string? output, TextWriter stdout, TextWriter stderr)
    {
        string converted;
        try
        {
            converted = ConfigConverter.Convert(from, File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }

        if (output is null)
        {
            stdout.Write(converted);
        }
        else
        {
            File.WriteAllText(output, converted);
            stderr.WriteLine($"wrote {output}; check it with: promoter check-config {output}");
        }

        return 0;
    }

    /// <summary>Lists the plugins found and their status.</summary>
    public static int ListPlugins(string? configPath, string? pluginsDir, TextWriter stdout)
    {
        var loaded = ConfigLoader.Load(configPath, new ConfigOverrides());
        var settings = loaded.Settings ?? new HostSettings();
        if (pluginsDir is not null)
        {
            settings = settings with { PluginsDirectory = Path.GetFullPath(pluginsDir) };
        }
        else if (loaded.Settings is null)
        {
            settings = settings with { PluginsDirectory = Path.Combine(AppContext.BaseDirectory, "plugins") };
        }

        using var services = HostBootstrap.CreateCliServices(Microsoft.Extensions.Logging.LogLevel.None);
        var catalog = HostBootstrap.LoadPlugins(services, settings);
        stdout.WriteLine($"Plugins folder: {settings.PluginsDirectory}");
        foreach (var p in catalog.Plugins)
        {
            var state = p.State == PluginState.Loaded ? "loaded" : "FAILED";
            stdout.WriteLine($"  {p.Folder,-22} {p.Id ?? "?",-32} {p.Version ?? "?",-8} {state,-7} {(p.State == PluginState.Loaded ? string.Join(", ", p.Provides) : p.Error)}");
        }

        return catalog.FailedCount == 0 ? 0 : 2;
    }
}
