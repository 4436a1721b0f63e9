using Promoter.Abstractions.Configuration;

namespace Promoter.Testing.Channels;

/// <summary>
/// Builds the <see cref="SettingsMapping"/> a plugin would get from the host's YAML loader, without YAML:
/// values are strings (scalars), string arrays (sequences) or nested dictionaries (mappings).
/// </summary>
public static class SettingsBuilder
{
    public static SettingsMapping FromPairs(params (string Key, object? Value)[] pairs) =>
        Mapping(pairs.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)));

    public static SettingsMapping FromDictionary(IEnumerable<KeyValuePair<string, object?>> entries) => Mapping(entries);

    /// <summary>A <see cref="PluginSettings"/> over <paramref name="mapping"/> with fresh diagnostics.</summary>
    public static PluginSettings Settings(SettingsMapping mapping, string path = "channels.test",
        Func<string, string>? readSecretFile = null) =>
        new(mapping, path, new ConfigDiagnostics(), readSecretFile);

    private static SettingsMapping Mapping(IEnumerable<KeyValuePair<string, object?>> entries)
    {
        var list = new List<KeyValuePair<string, SettingsNode>>();
        var line = 1;
        foreach (var (key, value) in entries)
        {
            list.Add(new(key, Node(value, line++)));
        }

        return new SettingsMapping(list, new SourceLocation("test.yaml", 1, 1));
    }

    private static SettingsNode Node(object? value, int line)
    {
        var location = new SourceLocation("test.yaml", line, 1);
        return value switch
        {
            null => new SettingsScalar(null, location),
            string s => new SettingsScalar(s, location),
            bool b => new SettingsScalar(b ? "true" : "false", location),
            int or long or double => new SettingsScalar(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), location),
            SettingsNode n => n,
            IEnumerable<KeyValuePair<string, object?>> map => Mapping(map),
            IEnumerable<KeyValuePair<string, string>> map => Mapping(map.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value))),
            IEnumerable<(string, object?)> pairs => Mapping(pairs.Select(p => new KeyValuePair<string, object?>(p.Item1, p.Item2))),
            IEnumerable<string> items => new SettingsSequence(items.Select(i => (SettingsNode)new SettingsScalar(i, location)).ToList(), location),
            _ => throw new ArgumentException($"unsupported settings value type {value.GetType()}", nameof(value)),
        };
    }
}
