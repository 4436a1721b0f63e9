using System.Text.Json;
using System.Text.Json.Serialization;

namespace Promoter.Host.Plugins;

/// <summary>A plugin folder's <c>plugin.json</c>.</summary>
internal sealed partial record PluginManifest
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonPropertyName("contract")] public string? Contract { get; init; }
    [JsonPropertyName("entryAssembly")] public string? EntryAssembly { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }

    /// <summary>
    /// Optional: what the plugin registers ("channel:slack", "store:s3", "renderer:prometheus", "templates"). A plugin
    /// that declares it is loaded only when the configuration uses one of those types, so unused plugins cost no
    /// memory; the declaration is checked against what the plugin registers when it loads. Without it, the plugin
    /// is always loaded.
    /// </summary>
    [JsonPropertyName("provides")] public IReadOnlyList<string>? Provides { get; init; }

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

        foreach (var claim in m.Provides ?? [])
        {
            if (claim != TemplatesClaim && !ValidClaim().IsMatch(claim ?? ""))
            {
                return (null, $"{FileName}: provides entry '{claim}' is not \"channel:<type>\", \"store:<type>\", \"renderer:<type>\" or \"templates\"");
            }
        }

        return (m, null);
    }

    /// <summary>The claim of a plugin that adds template definitions (which any channel may use).</summary>
    public const string TemplatesClaim = "templates";

    [System.Text.RegularExpressions.GeneratedRegex("^(channel|store|renderer):[a-z0-9][a-z0-9_.-]*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ValidClaim();
}

[JsonSerializable(typeof(PluginManifest))]
[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class PluginManifestJson : JsonSerializerContext;
