using System.Text.Json;
using Promoter.Templating.Time;

namespace Promoter.Templating.Alertmanager;

/// <summary>Reads the JSON Alertmanager posts (template.Data's JSON names); unknown keys are ignored as Go's decoder does.</summary>
internal static class WebhookJson
{
    public static TemplateData Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TemplateException($"template data is not valid JSON: {e.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TemplateException("template data must be a JSON object with Alertmanager's fields (receiver, status, alerts, …)");
            }

            var data = new TemplateData
            {
                Receiver = Str(root, "receiver"),
                Status = Str(root, "status"),
                GroupLabels = Map(root, "groupLabels"),
                CommonLabels = Map(root, "commonLabels"),
                CommonAnnotations = Map(root, "commonAnnotations"),
                ExternalURL = Str(root, "externalURL"),
                NotificationReason = Str(root, "notification_reason"),
            };
            if (root.TryGetProperty("alerts", out var alerts) && alerts.ValueKind == JsonValueKind.Array)
            {
                foreach (var a in alerts.EnumerateArray())
                {
                    var alert = new TemplateAlert
                    {
                        Status = Str(a, "status"),
                        Labels = Map(a, "labels"),
                        Annotations = Map(a, "annotations"),
                        StartsAt = Time(a, "startsAt"),
                        EndsAt = Time(a, "endsAt"),
                        GeneratorURL = Str(a, "generatorURL"),
                        Fingerprint = Str(a, "fingerprint"),
                    };
                    if (a.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var i in images.EnumerateArray())
                        {
                            alert.Images.Add(new AlertImage(Str(i, "url"), Str(i, "title")));
                        }
                    }

                    data.Alerts.Add(alert);
                }
            }

            if (root.TryGetProperty("atMobiles", out var mobiles) && mobiles.ValueKind == JsonValueKind.Array)
            {
                data.AtMobiles = mobiles.EnumerateArray().Select(m => m.ToString()).ToArray();
            }

            return data;
        }
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static KV Map(JsonElement e, string name)
    {
        var kv = new List<KeyValuePair<string, string>>();
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in v.EnumerateObject())
            {
                kv.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.ToString()));
            }
        }

        return new KV(kv);
    }

    private static GoTime Time(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return GoTime.Zero;
        }

        var s = v.GetString()!;
        if (!GoTime.TryParseRfc3339(s, out var t))
        {
            throw new TemplateException($"template data: {name} {s} is not an RFC 3339 time (like 2006-01-02T15:04:05Z)");
        }

        return t;
    }
}
