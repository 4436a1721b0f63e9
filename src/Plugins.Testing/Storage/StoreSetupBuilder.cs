using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Storage;

namespace Promoter.Testing.Storage;

/// <summary>
/// Builds the <see cref="StoreSetup"/> the host would give a store factory, from a flat map of settings
/// (a value of null writes YAML null), and reports configuration errors the way the host does.
/// </summary>
public sealed class StoreSetupBuilder
{
    private readonly List<KeyValuePair<string, SettingsNode>> _entries = [];
    private readonly ServiceCollection _services = new();

    public string Name { get; set; } = "test-store";
    public Uri HostPublicUrl { get; set; } = new("http://127.0.0.1:9/");
    public bool HostPublicUrlIsPublic { get; set; }
    public string DataDirectory { get; set; } = Path.GetTempPath();
    public ConfigDiagnostics Diagnostics { get; } = new();
    public Func<string, string>? ReadSecretFile { get; set; }

    public StoreSetupBuilder Set(string key, string? value)
    {
        _entries.RemoveAll(e => e.Key == key);
        _entries.Add(new(key, new SettingsScalar(value, new SourceLocation("promoter.yml", _entries.Count + 1, 3))));
        return this;
    }

    public StoreSetupBuilder Service<T>(T instance) where T : class
    {
        _services.AddSingleton(instance);
        return this;
    }

    public StoreSetup Build(out PluginSettings settings)
    {
        settings = new PluginSettings(new SettingsMapping(_entries.ToList(), new SourceLocation("promoter.yml", 1, 1)),
            $"stores.{Name}", Diagnostics, ReadSecretFile);
        settings.Ignore("type");
        return new StoreSetup
        {
            Name = Name,
            Settings = settings,
            HostPublicUrl = HostPublicUrl,
            HostPublicUrlIsPublic = HostPublicUrlIsPublic,
            DataDirectory = DataDirectory,
            Services = _services.BuildServiceProvider(),
        };
    }

    /// <summary>Creates the store and fails with every configuration error if there is any.</summary>
    public IImageStore Create(IImageStoreFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var setup = Build(out var settings);
        factory.Validate(setup);
        settings.ReportUnknownKeys();
        if (Diagnostics.HasErrors)
        {
            throw new InvalidOperationException("configuration errors:\n" + string.Join("\n", Diagnostics.Errors));
        }

        return factory.Create(setup);
    }

    /// <summary>Creates the store and returns the configuration errors (expected to be some).</summary>
    public IReadOnlyList<ConfigError> Errors(IImageStoreFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var setup = Build(out var settings);
        factory.Validate(setup);
        settings.ReportUnknownKeys();
        return Diagnostics.Errors;
    }
}
