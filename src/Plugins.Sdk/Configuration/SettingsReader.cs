using System.Globalization;
using Promoter.Abstractions.Configuration;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// Typed getters over a <see cref="PluginSettings"/> section. None throws for bad input: each reports the problem
/// (with the key's path and a fix) to the section's diagnostics and returns the default, so that every mistake of
/// every section is reported at once. Every key read is marked as known; values read as secrets are recorded for
/// redaction.
/// </summary>
public static class SettingsReader
{
    public static string GetString(this PluginSettings settings, string key, string defaultValue) => settings.GetString(key) ?? defaultValue;

    public static string? RequireString(this PluginSettings settings, string key, string fix)
    {
        var value = settings.GetString(key);
        if (string.IsNullOrEmpty(value) && settings.Node[key] is null or SettingsScalar)
        {
            settings.AddError(key, $"'{key}' is required", fix);
            return null;
        }

        return value;
    }

    /// <summary>
    /// Reads a secret given either inline (<c>key</c>, usually as <c>"${ENV_VAR}"</c>) or from a file
    /// (<c>key_file</c>); surrounding whitespace of a file's content is removed. Giving both is an error.
    /// </summary>
    public static string? GetSecret(this PluginSettings settings, string key)
    {
        var fileKey = key + "_file";
        var inline = settings.GetString(key);
        var file = settings.GetString(fileKey);
        if (inline is not null && file is not null)
        {
            settings.AddError(fileKey, $"both '{key}' and '{fileKey}' are set", $"keep only one of '{key}' and '{fileKey}'");
            return null;
        }

        string? value = inline;
        if (file is not null)
        {
            try
            {
                value = settings.ReadSecretFile(file).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                settings.AddError(fileKey, $"cannot read '{file}': {e.Message}", "check the path and that Promoter may read the file");
                return null;
            }

            if (value.Length == 0)
            {
                settings.AddError(fileKey, $"'{file}' is empty", $"write the {key} into the file");
                return null;
            }
        }

        if (!string.IsNullOrEmpty(value))
        {
            settings.AddSecret(value);
        }

        return value;
    }

    public static string? RequireSecret(this PluginSettings settings, string key, string fix)
    {
        var value = settings.GetSecret(key);
        if (string.IsNullOrEmpty(value) && !settings.Diagnostics.Errors.Any(e => e.Path == settings.PathOf(key + "_file")))
        {
            settings.AddError(key, $"'{key}' (or '{key}_file') is required", fix);
        }

        return value;
    }

    public static bool GetBool(this PluginSettings settings, string key, bool defaultValue)
    {
        var s = settings.GetString(key);
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
                settings.AddError(key, $"'{s}' is not true or false", $"write {key}: true or {key}: false");
                return defaultValue;
        }
    }

    public static int GetInt(this PluginSettings settings, string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = settings.GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            settings.AddError(key, $"'{s}' is not a whole number", $"write a number from {min} to {max}");
            return defaultValue;
        }

        if (v < min || v > max)
        {
            settings.AddError(key, $"{v} is out of range", $"write a number from {min} to {max}");
            return defaultValue;
        }

        return v;
    }

    public static double GetDouble(this PluginSettings settings, string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = settings.GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v))
        {
            settings.AddError(key, $"'{s}' is not a number", "write a number such as 0.9 or 1e6");
            return defaultValue;
        }

        if (v < min || v > max)
        {
            settings.AddError(key, $"{v.ToString(CultureInfo.InvariantCulture)} is out of range", $"write a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return defaultValue;
        }

        return v;
    }

    /// <summary>A Prometheus-style duration (<c>30s</c>, <c>1h30m</c>, <c>7d</c>).</summary>
    public static TimeSpan GetDuration(this PluginSettings settings, string key, TimeSpan defaultValue, TimeSpan? min = null, TimeSpan? max = null)
    {
        var s = settings.GetString(key);
        if (s is null)
        {
            return defaultValue;
        }

        if (!DurationSyntax.TryParse(s, out var v))
        {
            settings.AddError(key, $"'{s}' is not a duration", "write a duration such as 30s, 5m, 1h30m or 7d");
            return defaultValue;
        }

        if ((min is { } lo && v < lo) || (max is { } hi && v > hi))
        {
            settings.AddError(key, $"{s} is out of range",
                $"write a duration from {DurationSyntax.Format(min ?? TimeSpan.Zero)}{(max is { } m ? " to " + DurationSyntax.Format(m) : " or more")}");
            return defaultValue;
        }

        return v;
    }

    /// <summary>A size: <c>10MiB</c>, <c>512KiB</c>, <c>2MB</c> (decimal units), <c>1G</c>, or a plain number of bytes.</summary>
    public static long GetByteSize(this PluginSettings settings, string key, long defaultValue, long min = 1, long max = long.MaxValue / 2)
    {
        var text = settings.GetString(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (!TryParseByteSize(text, out var value) || value < min || value > max)
        {
            settings.AddError(key, $"'{text}' is not a size from {min} to {max} bytes", "write a size such as 10MiB, 512KiB or 2000000");
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
    public static Uri? GetUrl(this PluginSettings settings, string key, bool required = false, string fix = "write an absolute URL such as https://example.com/path")
    {
        var s = required ? settings.RequireString(key, fix) : settings.GetString(key);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            settings.AddError(key, $"'{Redact(s)}' is not an absolute http(s) URL", fix);
            return null;
        }

        return uri;
    }

    /// <summary>A secret URL (one that carries a token, like a DingTalk robot URL), read like <see cref="GetSecret"/>.</summary>
    public static Uri? GetSecretUrl(this PluginSettings settings, string key, bool required = false, string fix = "write the full URL, or put it in a file named by <key>_file")
    {
        var s = required ? settings.RequireSecret(key, fix) : settings.GetSecret(key);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            settings.AddError(key, "the value is not an absolute http(s) URL (not shown: it is a secret)", fix);
            return null;
        }

        return uri;
    }

    /// <summary>One of a fixed set of words, compared ignoring case; returns the allowed spelling.</summary>
    public static string GetChoice(this PluginSettings settings, string key, string defaultValue, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var s = settings.GetString(key);
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

        settings.AddError(key, $"'{s}' is not one of {string.Join(", ", allowed)}", $"write one of: {string.Join(", ", allowed)}");
        return defaultValue;
    }

    /// <summary>A list of strings; a single scalar is accepted as a list of one.</summary>
    public static IReadOnlyList<string> GetStringList(this PluginSettings settings, string key)
    {
        switch (settings.Read(key))
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
                        settings.Diagnostics.Add(seq.Items[i].Location, $"{settings.PathOf(key)}[{i}]", "expected a single value", "write each item as a plain value");
                    }
                }

                return list;
            default:
                settings.AddError(key, "expected a list, found a mapping", $"write {key}: [a, b]");
                return [];
        }
    }

    /// <summary>A mapping of strings to strings (for example HTTP headers).</summary>
    public static IReadOnlyDictionary<string, string> GetStringMap(this PluginSettings settings, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (settings.Read(key))
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
                        settings.Diagnostics.Add(v.Location, $"{settings.PathOf(key)}.{k}", "expected a single value", "write name: value");
                    }
                }

                return result;
            default:
                settings.AddError(key, "expected a mapping of names to values", $"write {key}: {{ name: value }}");
                return result;
        }
    }

    /// <summary>A nested mapping, or null when absent. Its unknown keys are reported too.</summary>
    public static PluginSettings? GetSection(this PluginSettings settings, string key)
    {
        switch (settings.Read(key))
        {
            case null:
            case SettingsScalar { Value: null }:
                return null;
            case SettingsMapping map:
                return settings.OpenSection(key, map);
            default:
                settings.AddError(key, "expected a mapping", $"write {key}: followed by indented name: value lines");
                return null;
        }
    }

    /// <summary>Reports every key of this section and its children that no getter asked for.</summary>
    public static void ReportUnknownKeys(this PluginSettings settings)
    {
        foreach (var (key, value) in settings.Node.Entries)
        {
            if (settings.KnownKeys.Contains(key))
            {
                continue;
            }

            var suggestion = ClosestKnownKey(settings, key);
            settings.Diagnostics.Add(value.Location, settings.PathOf(key), $"unknown key '{key}'",
                suggestion is null
                    ? $"remove it; known keys here: {string.Join(", ", settings.KnownKeys.Order(StringComparer.Ordinal))}"
                    : $"did you mean '{suggestion}'?");
        }

        foreach (var child in settings.Children)
        {
            child.ReportUnknownKeys();
        }
    }

    private static string? ClosestKnownKey(PluginSettings settings, string key)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in settings.KnownKeys)
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
