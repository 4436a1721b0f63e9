using System.Globalization;

namespace Promoter.Abstractions.Configuration;

/// <summary>
/// A plugin's configuration section (a YAML mapping), read through typed getters that report problems to
/// <see cref="ConfigDiagnostics"/> instead of throwing, so that every mistake is reported at once.
/// Every getter records the key as known; keys nobody asked for are reported as unknown by the host
/// (with the closest known key as a suggestion), so typos cannot pass silently.
/// </summary>
public sealed class PluginSettings
{
    private readonly HashSet<string> _requested = new(StringComparer.Ordinal);
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

    public bool Has(string key) => Node[key] is not null;

    /// <summary>Marks a key as known without reading it (for keys the host itself handles, like <c>type</c>).</summary>
    public void Ignore(string key) => _requested.Add(key);

    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void AddError(string key, string message, string fix)
    {
        var location = Node[key]?.Location ?? Node.Location;
        Diagnostics.Add(location, PathOf(key), message, fix);
    }

    public string? GetString(string key)
    {
        _requested.Add(key);
        switch (Node[key])
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

    public string GetString(string key, string defaultValue) => GetString(key) ?? defaultValue;

    public string? RequireString(string key, string fix)
    {
        var value = GetString(key);
        if (string.IsNullOrEmpty(value) && Node[key] is null or SettingsScalar)
        {
            AddError(key, $"'{key}' is required", fix);
            return null;
        }

        return value;
    }

    /// <summary>
    /// Reads a secret given either inline (<c>key</c>, usually as <c>"${ENV_VAR}"</c>) or from a file
    /// (<c>key_file</c>); surrounding whitespace of a file's content is removed. Giving both is an error.
    /// </summary>
    public string? GetSecret(string key)
    {
        var fileKey = key + "_file";
        var inline = GetString(key);
        var file = GetString(fileKey);
        if (inline is not null && file is not null)
        {
            AddError(fileKey, $"both '{key}' and '{fileKey}' are set", $"keep only one of '{key}' and '{fileKey}'");
            return null;
        }

        string? value = inline;
        if (file is not null)
        {
            try
            {
                value = _readSecretFile(file).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                AddError(fileKey, $"cannot read '{file}': {e.Message}", "check the path and that Promoter may read the file");
                return null;
            }

            if (value.Length == 0)
            {
                AddError(fileKey, $"'{file}' is empty", $"write the {key} into the file");
                return null;
            }
        }

        if (!string.IsNullOrEmpty(value))
        {
            _secrets.Add(value);
        }

        return value;
    }

    public string? RequireSecret(string key, string fix)
    {
        var value = GetSecret(key);
        if (string.IsNullOrEmpty(value) && !Diagnostics.Errors.Any(e => e.Path == PathOf(key + "_file")))
        {
            AddError(key, $"'{key}' (or '{key}_file') is required", fix);
        }

        return value;
    }

    public bool GetBool(string key, bool defaultValue)
    {
        var s = GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        switch (s.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                AddError(key, $"'{s}' is not true or false", $"write {key}: true or {key}: false");
                return defaultValue;
        }
    }

    public int GetInt(string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            AddError(key, $"'{s}' is not a whole number", $"write a number from {min} to {max}");
            return defaultValue;
        }

        if (v < min || v > max)
        {
            AddError(key, $"{v} is out of range", $"write a number from {min} to {max}");
            return defaultValue;
        }

        return v;
    }

    public double GetDouble(string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v))
        {
            AddError(key, $"'{s}' is not a number", "write a number such as 0.9 or 1e6");
            return defaultValue;
        }

        if (v < min || v > max)
        {
            AddError(key, $"{v.ToString(CultureInfo.InvariantCulture)} is out of range", $"write a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return defaultValue;
        }

        return v;
    }

    /// <summary>A Prometheus-style duration (<c>30s</c>, <c>1h30m</c>, <c>7d</c>).</summary>
    public TimeSpan GetDuration(string key, TimeSpan defaultValue, TimeSpan? min = null, TimeSpan? max = null)
    {
        var s = GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        if (!DurationSyntax.TryParse(s, out var v))
        {
            AddError(key, $"'{s}' is not a duration", "write a duration such as 30s, 5m, 1h30m or 7d");
            return defaultValue;
        }

        if ((min is { } lo && v < lo) || (max is { } hi && v > hi))
        {
            AddError(key, $"{s} is out of range",
                $"write a duration from {DurationSyntax.Format(min ?? TimeSpan.Zero)}{(max is { } m ? " to " + DurationSyntax.Format(m) : " or more")}");
            return defaultValue;
        }

        return v;
    }

    /// <summary>A size: <c>10MiB</c>, <c>512KiB</c>, <c>2MB</c> (decimal units), <c>1G</c>, or a plain number of bytes.</summary>
    public long GetByteSize(string key, long defaultValue, long min = 1, long max = long.MaxValue / 2)
    {
        var text = GetString(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (!TryParseByteSize(text, out var value) || value < min || value > max)
        {
            AddError(key, $"'{text}' is not a size from {min} to {max} bytes", "write a size such as 10MiB, 512KiB or 2000000");
            return defaultValue;
        }

        return value;
    }

    /// <summary>Parses the size syntax of <see cref="GetByteSize"/>.</summary>
    public static bool TryParseByteSize(string text, out long bytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        bytes = 0;
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.'))
        {
            i++;
        }

        if (i == 0 || !double.TryParse(t.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        double? unit = t[i..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "KIB" or "K" => 1024,
            "MIB" or "M" => 1024 * 1024,
            "GIB" or "G" => 1024 * 1024 * 1024,
            _ => null,
        };
        if (unit is null || number * unit.Value > long.MaxValue / 2)
        {
            return false;
        }

        bytes = (long)(number * unit.Value);
        return true;
    }

    /// <summary>An absolute http or https URL.</summary>
    public Uri? GetUrl(string key, bool required = false, string fix = "write an absolute URL such as https://example.com/path")
    {
        var s = required ? RequireString(key, fix) : GetString(key);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            AddError(key, $"'{Redact(s)}' is not an absolute http(s) URL", fix);
            return null;
        }

        return uri;
    }

    /// <summary>A secret URL (one that carries a token, like a DingTalk robot URL), read like <see cref="GetSecret"/>.</summary>
    public Uri? GetSecretUrl(string key, bool required = false, string fix = "write the full URL, or put it in a file named by <key>_file")
    {
        var s = required ? RequireSecret(key, fix) : GetSecret(key);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            AddError(key, "the value is not an absolute http(s) URL (not shown: it is a secret)", fix);
            return null;
        }

        return uri;
    }

    /// <summary>One of a fixed set of words, compared ignoring case; returns the allowed spelling.</summary>
    public string GetChoice(string key, string defaultValue, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var s = GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        foreach (var a in allowed)
        {
            if (string.Equals(a, s.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }

        AddError(key, $"'{s}' is not one of {string.Join(", ", allowed)}", $"write one of: {string.Join(", ", allowed)}");
        return defaultValue;
    }

    /// <summary>A list of strings; a single scalar is accepted as a list of one.</summary>
    public IReadOnlyList<string> GetStringList(string key)
    {
        _requested.Add(key);
        switch (Node[key])
        {
            case null:
            case SettingsScalar { Value: null }:
                return [];
            case SettingsScalar s:
                return [s.Value];
            case SettingsSequence seq:
                var list = new List<string>(seq.Items.Count);
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    if (seq.Items[i] is SettingsScalar { Value: { } v })
                    {
                        list.Add(v);
                    }
                    else
                    {
                        Diagnostics.Add(seq.Items[i].Location, $"{PathOf(key)}[{i}]", "expected a single value", "write each item as a plain value");
                    }
                }

                return list;
            default:
                AddError(key, "expected a list, found a mapping", $"write {key}: [a, b]");
                return [];
        }
    }

    /// <summary>A mapping of strings to strings (for example HTTP headers).</summary>
    public IReadOnlyDictionary<string, string> GetStringMap(string key)
    {
        _requested.Add(key);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Node[key])
        {
            case null:
            case SettingsScalar { Value: null }:
                return result;
            case SettingsMapping map:
                foreach (var (k, v) in map.Entries)
                {
                    if (v is SettingsScalar { Value: { } s })
                    {
                        result[k] = s;
                    }
                    else
                    {
                        Diagnostics.Add(v.Location, $"{PathOf(key)}.{k}", "expected a single value", "write name: value");
                    }
                }

                return result;
            default:
                AddError(key, "expected a mapping of names to values", $"write {key}: {{ name: value }}");
                return result;
        }
    }

    /// <summary>A nested mapping, or null when absent. Its unknown keys are reported too.</summary>
    public PluginSettings? GetSection(string key)
    {
        _requested.Add(key);
        switch (Node[key])
        {
            case null:
            case SettingsScalar { Value: null }:
                return null;
            case SettingsMapping map:
                var child = new PluginSettings(map, PathOf(key), Diagnostics, _readSecretFile, _secrets);
                _children.Add(child);
                return child;
            default:
                AddError(key, "expected a mapping", $"write {key}: followed by indented name: value lines");
                return null;
        }
    }

    /// <summary>Reports every key of this section and its children that no getter asked for.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var (key, value) in Node.Entries)
        {
            if (_requested.Contains(key))
            {
                continue;
            }

            var suggestion = ClosestKnownKey(key);
            Diagnostics.Add(value.Location, PathOf(key), $"unknown key '{key}'",
                suggestion is null
                    ? $"remove it; known keys here: {string.Join(", ", _requested.Order(StringComparer.Ordinal))}"
                    : $"did you mean '{suggestion}'?");
        }

        foreach (var child in _children)
        {
            child.ReportUnknownKeys();
        }
    }

    private string? ClosestKnownKey(string key)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in _requested)
        {
            var d = EditDistance(key, known);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = known;
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }

    private static string Redact(string url)
    {
        // A URL may carry a token in its query (DingTalk's access_token): never echo the query.
        var q = url.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? url : url[..q] + "?…";
    }
}
