using System.Text.Json;
using System.Text.Json.Serialization;

namespace Promoter.Host.Plugins;

/// <summary>A plugin folder's <c>plugin.json</c>.</summary>
internal sealed record PluginManifest
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonPropertyName("contract")] public string? Contract { get; init; }
    [JsonPropertyName("entryAssembly")] public string? EntryAssembly { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }

    public const string FileName = "plugin.json";

    /// <summary>Reads and checks a manifest; returns the problem in words when it is unusable.</summary>
    public static (PluginManifest? Manifest, string? Problem) Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return (null, $"no {FileName} in the plugin folder (every plugin folder needs one: id, version, contract, entryAssembly)");
        }

        PluginManifest? m;
        try
        {
            m = JsonSerializer.Deserialize(File.ReadAllText(path), PluginManifestJson.Default.PluginManifest);
        }
        catch (JsonException e)
        {
            return (null, $"{FileName} is not valid JSON: {e.Message}");
        }

        if (m is null)
        {
            return (null, $"{FileName} is empty");
        }

        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(m.Id)) missing.Add("id");
        if (string.IsNullOrWhiteSpace(m.Version)) missing.Add("version");
        if (string.IsNullOrWhiteSpace(m.Contract)) missing.Add("contract");
        if (string.IsNullOrWhiteSpace(m.EntryAssembly)) missing.Add("entryAssembly");
        if (missing.Count > 0)
        {
            return (null, $"{FileName} lacks {string.Join(", ", missing)}");
        }

        if (!System.Version.TryParse(m.Contract, out _))
        {
            return (null, $"{FileName}: contract '{m.Contract}' is not a version such as 1.0");
        }

        if (m.EntryAssembly!.Contains('/', StringComparison.Ordinal) || m.EntryAssembly.Contains('\\', StringComparison.Ordinal) || m.EntryAssembly.Contains("..", StringComparison.Ordinal))
        {
            return (null, $"{FileName}: entryAssembly must be a file name inside the plugin folder");
        }

        return (m, null);
    }
}

[JsonSerializable(typeof(PluginManifest))]
[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class PluginManifestJson : JsonSerializerContext;
