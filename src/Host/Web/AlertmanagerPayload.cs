using System.Globalization;
using System.Text;
using System.Text.Json;
using Promoter.Abstractions.Model;

namespace Promoter.Host.Web;

/// <summary>A webhook body that is not a usable Alertmanager payload; the message names the field.</summary>
internal sealed class PayloadException(string message) : Exception(message);

/// <summary>
/// Parses Alertmanager's webhook payload (version 4). Unknown fields are ignored (newer Alertmanagers add
/// some); times keep their offsets; firing alerts get Go's zero endsAt as Alertmanager itself sends; the
/// receiver loses Alertmanager's regex escaping (it passes names through regexp.QuoteMeta: team\.a).
/// </summary>
internal static class AlertmanagerPayload
{
    public static AlertGroup Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw new PayloadException($"the body is not valid JSON: {e.Message}");
        }

        using (doc)
        {
            try
            {
                return Parse(doc.RootElement);
            }
            catch (InvalidOperationException)
            {
                // JsonDocument checks structure, not the text inside strings: invalid UTF-8 bytes or a lone
                // surrogate escape (\ud800) fail only when a string is read. Alertmanager never sends either.
                throw new PayloadException(
                    "the body has a string that is not valid UTF-8 text (invalid bytes, or a lone \\uD800-\\uDFFF surrogate escape); send UTF-8 JSON as Alertmanager does");
            }
        }
    }

    private static AlertGroup Parse(JsonElement root)
    {
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PayloadException("the body must be a JSON object (Alertmanager's webhook payload)");
            }

            if (root.TryGetProperty("version", out var version) && version.ValueKind != JsonValueKind.Null)
            {
                // Alertmanager sends "4"; a number is another sender's spelling of the same field and is held to it.
                var text = version.ValueKind switch
                {
                    JsonValueKind.String => version.GetString(),
                    JsonValueKind.Number => version.GetRawText(),
                    _ => null,
                };
                if (text != "4")
                {
                    throw new PayloadException(text is null
                        ? $"version: expected the string \"4\", found {Describe(version)}"
                        : $"version: '{text}' is not supported; Promoter reads Alertmanager's webhook payload version 4");
                }
            }

            if (!root.TryGetProperty("alerts", out var alertsElement) || alertsElement.ValueKind != JsonValueKind.Array)
            {
                throw new PayloadException("alerts: missing or not a list; is this an Alertmanager webhook (webhook_configs)?");
            }

            if (alertsElement.GetArrayLength() == 0)
            {
                // Alertmanager never notifies an empty group; there is nothing to send or record.
                throw new PayloadException("alerts: the list is empty; there is nothing to send (Alertmanager always sends at least one alert)");
            }

            var alerts = new List<Alert>(alertsElement.GetArrayLength());
            var i = 0;
            foreach (var a in alertsElement.EnumerateArray())
            {
                alerts.Add(ParseAlert(a, $"alerts[{i}]"));
                i++;
            }

            var status = OptionalString(root, "status", "") ?? "";
            if (status.Length == 0)
            {
                status = alerts.Any(a => a.IsFiring) ? "firing" : "resolved";
            }
            else if (status is not ("firing" or "resolved"))
            {
                throw new PayloadException($"status: '{status}' is neither firing nor resolved");
            }

            return new AlertGroup
            {
                Receiver = UnescapeReceiver(OptionalString(root, "receiver", "") ?? ""),
                Status = status,
                Alerts = alerts,
                GroupLabels = Labels(root, "groupLabels", ""),
                CommonLabels = Labels(root, "commonLabels", ""),
                CommonAnnotations = Labels(root, "commonAnnotations", ""),
                RouteLabels = Labels(root, "routeLabels", ""),
                ExternalUrl = OptionalString(root, "externalURL", "") ?? "",
                GroupKey = OptionalString(root, "groupKey", "") ?? "",
                TruncatedAlerts = root.TryGetProperty("truncatedAlerts", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var n) ? n : 0,
                NotificationReason = OptionalString(root, "notification_reason", "") ?? "",
            };
        }
    }

    private static Alert ParseAlert(JsonElement a, string path)
    {
        if (a.ValueKind != JsonValueKind.Object)
        {
            throw new PayloadException($"{path}: expected an object");
        }

        var labels = Labels(a, "labels", path);
        var status = OptionalString(a, "status", path) ?? "firing";
        if (status is not ("firing" or "resolved"))
        {
            throw new PayloadException($"{path}.status: '{status}' is neither firing nor resolved");
        }

        var startsAt = Time(a, "startsAt", path);
        var endsAt = Time(a, "endsAt", path);
        if (status == "firing")
        {
            endsAt = default; // Alertmanager sends Go's zero time for firing alerts; other senders may not.
        }

        return new Alert
        {
            Status = status,
            Labels = labels,
            Annotations = Labels(a, "annotations", path),
            StartsAt = startsAt,
            EndsAt = endsAt,
            GeneratorUrl = OptionalString(a, "generatorURL", path) ?? "",
            Fingerprint = OptionalString(a, "fingerprint", path) ?? "",
        };
    }

    private static string? OptionalString(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            throw new PayloadException($"{Join(path, name)}: expected a string, found {Describe(v)}");
        }

        return v.GetString();
    }

    private static Dictionary<string, string> Labels(JsonElement e, string name, string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            throw new PayloadException($"{Join(path, name)}: expected an object of strings, found {Describe(v)}");
        }

        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                throw new PayloadException($"{Join(path, name)}.{p.Name}: expected a string, found {Describe(p.Value)}");
            }

            result[p.Name] = p.Value.GetString()!;
        }

        return result;
    }

    private static DateTimeOffset Time(JsonElement e, string name, string path)
    {
        var s = OptionalString(e, name, path);
        if (string.IsNullOrEmpty(s))
        {
            return default;
        }

        if (!TryParseRfc3339(s, out var t))
        {
            throw new PayloadException($"{Join(path, name)}: '{s}' is not an RFC 3339 time such as 2026-11-21T22:45:02.568Z");
        }

        return t;
    }

    /// <summary>Go writes up to 9 fractional digits; .NET keeps 7 (100 ns), so the rest is dropped.</summary>
    public static bool TryParseRfc3339(string s, out DateTimeOffset value)
    {
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                s = string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
            && s.Contains('T', StringComparison.Ordinal);
    }

    /// <summary>Undoes Go's regexp.QuoteMeta, which Alertmanager applies to the receiver name.</summary>
    public static string UnescapeReceiver(string name)
    {
        if (!name.Contains('\\', StringComparison.Ordinal))
        {
            return name;
        }

        var sb = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\' && i + 1 < name.Length)
            {
                i++;
            }

            sb.Append(name[i]);
        }

        return sb.ToString();
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };
}
