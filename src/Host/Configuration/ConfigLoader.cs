using Promoter.Abstractions.Configuration;

namespace Promoter.Host.Configuration;

/// <summary>The result of reading a configuration: the host settings and every problem found.</summary>
internal sealed record LoadedConfig(string Source, HostSettings? Settings, ConfigDiagnostics Diagnostics)
{
    public bool IsValid => Settings is not null && !Diagnostics.HasErrors;
}

/// <summary>Reads a configuration file, or the embedded default when there is none.</summary>
internal static class ConfigLoader
{
    /// <summary>
    /// The embedded default: SQLite state and images under the data folder, images served by the host at
    /// /images/, Prometheus at localhost:9090, and every receiver name routed to the built-in log channel.
    /// </summary>
    public const string EmbeddedDefault = """
        # Promoter's embedded default (used when no --config is given).
        listen: ":8080"
        renderers:
          prometheus: { type: prometheus, url: "http://localhost:9090" }
        stores:
          local: { type: local }
        channels:
          log: { type: log }
        receivers:
          - name: "*"
            renderer: prometheus
            store: local
            channels: [log]
        """;

    public const string EmbeddedSourceName = "<embedded default>";

    public static LoadedConfig Load(string? path, ConfigOverrides overrides, Func<string, string?>? environment = null)
    {
        var diagnostics = new ConfigDiagnostics();
        string text;
        string source;
        string baseDirectory;
        if (path is null)
        {
            text = EmbeddedDefault;
            source = EmbeddedSourceName;
            baseDirectory = Environment.CurrentDirectory;
        }
        else
        {
            source = path;
            baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Environment.CurrentDirectory;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                diagnostics.Add(new SourceLocation(path, 0, 0), "", $"cannot read the configuration file: {e.Message}",
                    "check the path given to --config");
                return new LoadedConfig(source, null, diagnostics);
            }
        }

        var root = YamlSettingsReader.Read(text, source, diagnostics, environment);
        if (root is null)
        {
            return new LoadedConfig(source, null, diagnostics);
        }

        string ReadSecretFile(string file) => File.ReadAllText(Path.GetFullPath(file, baseDirectory));
        var settings = HostSettingsReader.Read(root, diagnostics, overrides, ReadSecretFile, baseDirectory);
        return new LoadedConfig(source, settings, diagnostics);
    }
}
