namespace Promoter.Abstractions.Configuration;

/// <summary>
/// A plugin's configuration section (a YAML mapping) as the host hands it over: the raw nodes, where problems go,
/// which keys were read and which values are secrets. The typed getters (durations, URLs, secrets with their
/// <c>_file</c> form, …) are in <c>Promoter.Plugins.Sdk.SettingsReader</c>; the contract keeps only what the host
/// and a plugin must agree on, so that parsing rules can improve without a contract change.
/// </summary>
/// <remarks>
/// Every key read through <see cref="Read"/> (or marked with <see cref="Ignore"/>) is known; the host reports the
/// others as unknown, with the closest known key as a suggestion, so typos cannot pass silently. Every value given
/// to <see cref="AddSecret"/> is redacted by the host wherever it could appear.
/// </remarks>
public sealed class PluginSettings
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<PluginSettings> _children = [];
    private readonly Func<string, string> _readSecretFile;
    private readonly List<string> _secrets;

    /// <param name="node">The section.</param>
    /// <param name="path">Its path, such as <c>channels.ops-ding</c>.</param>
    /// <param name="diagnostics">Where problems go.</param>
    /// <param name="readSecretFile">Reads a <c>*_file</c> secret (relative paths resolved by the host);
    /// throws IOException or UnauthorizedAccessException when it cannot.</param>
    public PluginSettings(SettingsMapping node, string path, ConfigDiagnostics diagnostics, Func<string, string>? readSecretFile = null)
        : this(node, path, diagnostics, readSecretFile ?? File.ReadAllText, [])
    {
    }

    private PluginSettings(SettingsMapping node, string path, ConfigDiagnostics diagnostics, Func<string, string> readSecretFile, List<string> secrets)
    {
        Node = node ?? throw new ArgumentNullException(nameof(node));
        Path = path ?? "";
        Diagnostics = diagnostics ?? throw new ArgumentNullException(nameof(diagnostics));
        _readSecretFile = readSecretFile;
        _secrets = secrets;
    }

    public SettingsMapping Node { get; }
    public string Path { get; }
    public ConfigDiagnostics Diagnostics { get; }

    /// <summary>Every secret value read through this section and its children, for redaction.</summary>
    public IReadOnlyList<string> Secrets => _secrets;

    public IEnumerable<string> Keys => Node.Entries.Select(e => e.Key);

    /// <summary>The keys read or ignored so far, in no particular order.</summary>
    public IReadOnlyCollection<string> KnownKeys => _known;

    /// <summary>The nested sections opened with <see cref="OpenSection"/>.</summary>
    public IReadOnlyList<PluginSettings> Children => _children;

    public bool Has(string key) => Node[key] is not null;

    /// <summary>Marks a key as known without reading it (for keys the host itself handles, like <c>type</c>).</summary>
    public void Ignore(string key) => _known.Add(key);

    /// <summary>Marks <paramref name="key"/> as known and returns its node, or null when the section lacks it.</summary>
    public SettingsNode? Read(string key)
    {
        _known.Add(key);
        return Node[key];
    }

    /// <summary>The raw scalar value of <paramref name="key"/> (marked as known); a list or mapping is reported.</summary>
    public string? GetString(string key)
    {
        switch (Read(key))
        {
            case null:
                return null;
            case SettingsScalar s:
                return s.Value;
            default:
                AddError(key, "expected a single value, found a list or mapping", $"write {key}: <value>");
                return null;
        }
    }

    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void AddError(string key, string message, string fix)
    {
        var location = Node[key]?.Location ?? Node.Location;
        Diagnostics.Add(location, PathOf(key), message, fix);
    }

    /// <summary>Records a value the host must redact (a token, a password, a URL carrying a token).</summary>
    public void AddSecret(string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _secrets.Add(value);
        }
    }

    /// <summary>Reads the file a <c>*_file</c> setting names, the way the host resolves paths.</summary>
    public string ReadSecretFile(string path) => _readSecretFile(path);

    /// <summary>
    /// A nested section under <paramref name="key"/> sharing this section's diagnostics and secrets; its unknown keys
    /// are reported with this section's.
    /// </summary>
    public PluginSettings OpenSection(string key, SettingsMapping node)
    {
        _known.Add(key);
        var child = new PluginSettings(node, PathOf(key), Diagnostics, _readSecretFile, _secrets);
        _children.Add(child);
        return child;
    }
}
