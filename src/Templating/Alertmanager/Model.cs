using System.Collections;
using Promoter.Templating.Execution;
using Promoter.Templating.Time;

namespace Promoter.Templating.Alertmanager;

/// <summary>
/// Alertmanager's <c>template.KV</c> (map[string]string): <c>.Labels.severity</c> looks a key up (missing →
/// ""), and the methods SortedPairs (alertname first), Names, Values and Remove are available.
/// Printing it gives Go's map syntax <c>map[a:b c:d]</c>, as Alertmanager 0.25 (the oracle) does.
/// </summary>
[GoTypeName("template.KV", GoKind.Map, "map[string]string")]
public sealed class KV : IReadOnlyDictionary<string, string>, IGoLen
{
    private readonly Dictionary<string, string> _map;

    public KV()
        : this(new Dictionary<string, string>(StringComparer.Ordinal))
    {
    }

    public KV(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        _map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs)
        {
            _map[k] = v;
        }
    }

    public int Count => _map.Count;

    [GoHidden]
    public IEnumerable<string> Keys => _map.Keys;

    [GoHidden]
    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => _map.Values;

    public string this[string key] => _map[key];

    [GoHidden]
    public bool ContainsKey(string key) => _map.ContainsKey(key);

    [GoHidden]
    public bool TryGetValue(string key, out string value) => _map.TryGetValue(key, out value!);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _map.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _map.GetEnumerator();

    /// <summary>Pairs sorted by name (byte order), except that alertname always comes first.</summary>
    public Pairs SortedPairs()
    {
        var keys = _map.Keys.ToList();
        keys.Sort((a, b) =>
        {
            if (a == b)
            {
                return 0;
            }

            if (a == "alertname")
            {
                return -1;
            }

            if (b == "alertname")
            {
                return 1;
            }

            return string.CompareOrdinal(a, b) < 0 ? -1 : 1;
        });
        var pairs = new Pairs();
        foreach (var k in keys)
        {
            pairs.Add(new Pair(k, _map[k]));
        }

        return pairs;
    }

    /// <summary>A copy without the given keys (called as <c>.CommonLabels.Remove .GroupLabels.Names</c>).</summary>
    public KV Remove(string[] keys)
    {
        var copy = new KV(_map);
        foreach (var k in keys)
        {
            copy._map.Remove(k);
        }

        return copy;
    }

    public string[] Names() => SortedPairs().Names();

    public string[] Values() => SortedPairs().Values();
}

/// <summary>A label or annotation name and value.</summary>
[GoTypeName("template.Pair")]
public sealed record Pair(string Name, string Value);

/// <summary>Alertmanager's <c>template.Pairs</c>: a list of pairs with Names and Values.</summary>
[GoTypeName("template.Pairs", GoKind.Slice)]
public sealed class Pairs : List<Pair>, IReadOnlyList<Pair>
{
    public string[] Names() => this.Select(p => p.Name).ToArray();

    public string[] Values() => this.Select(p => p.Value).ToArray();
}

/// <summary>A picture attached to an alert (Promoter's chart): <c>{{ range .Images }}![..]({{ .Url }}){{ end }}</c>.</summary>
[GoTypeName("notify.AlertImage")]
public sealed record AlertImage(string Url, string Title);

/// <summary>One alert as templates see it (Alertmanager's template.Alert plus Promoter's Images).</summary>
[GoTypeName("template.Alert")]
public sealed class TemplateAlert
{
    public string Status { get; set; } = "";

    public KV Labels { get; set; } = new();

    public KV Annotations { get; set; } = new();

    public GoTime StartsAt { get; set; }

    public GoTime EndsAt { get; set; }

    public string GeneratorURL { get; set; } = "";

    public string Fingerprint { get; set; } = "";

    /// <summary>Charts of this alert (Promoter). Omitted from {{ . }} printing when empty, so output matches Alertmanager's.</summary>
    [GoOmitEmpty]
    public List<AlertImage> Images { get; set; } = [];

    /// <summary>Builds an alert from plain values (the host maps its own records with this).</summary>
    public static TemplateAlert Create(string status, IEnumerable<KeyValuePair<string, string>> labels, IEnumerable<KeyValuePair<string, string>> annotations,
        DateTimeOffset startsAt, DateTimeOffset? endsAt, string generatorUrl, string fingerprint, IEnumerable<AlertImage>? images = null) => new()
        {
            Status = status,
            Labels = new KV(labels),
            Annotations = new KV(annotations),
            StartsAt = GoTime.FromDateTimeOffset(startsAt),
            EndsAt = endsAt is { } e && e != DateTimeOffset.MinValue ? GoTime.FromDateTimeOffset(e) : GoTime.Zero,
            GeneratorURL = generatorUrl,
            Fingerprint = fingerprint,
            Images = images?.ToList() ?? [],
        };
}

/// <summary>Alertmanager's <c>template.Alerts</c>: the alerts of a notification, with Firing() and Resolved().</summary>
[GoTypeName("template.Alerts", GoKind.Slice)]
public sealed class Alerts : List<TemplateAlert>, IReadOnlyList<TemplateAlert>
{
    public Alerts()
    {
    }

    public Alerts(IEnumerable<TemplateAlert> alerts)
        : base(alerts)
    {
    }

    public List<TemplateAlert> Firing() => this.Where(a => a.Status == "firing").ToList();

    public List<TemplateAlert> Resolved() => this.Where(a => a.Status == "resolved").ToList();
}

/// <summary>
/// The data a notification template gets: Alertmanager's template.Data, plus NotificationReason,
/// AtMobiles (DingTalk mentions) and any extra top-level fields the host adds.
/// </summary>
[GoTypeName("template.Data")]
public sealed class TemplateData : IGoDynamicFields
{
    private readonly Dictionary<string, object?> _extra = new(StringComparer.Ordinal);

    public string Receiver { get; set; } = "";

    public string Status { get; set; } = "";

    public Alerts Alerts { get; set; } = [];

    public KV GroupLabels { get; set; } = new();

    public KV CommonLabels { get; set; } = new();

    public KV CommonAnnotations { get; set; } = new();

    public string ExternalURL { get; set; } = "";

    [GoOmitEmpty]
    public string NotificationReason { get; set; } = "";

    /// <summary>Phone numbers to @-mention (prometheus-webhook-dingtalk's <c>{{ range .AtMobiles }}</c>).</summary>
    [GoOmitEmpty]
    public string[] AtMobiles { get; set; } = [];

    /// <summary>Adds or replaces a top-level field (e.g. a channel extra); strings, numbers, bools, string lists and maps behave as in Go.</summary>
    [GoHidden]
    public TemplateData With(string name, object? value)
    {
        _extra[name] = value switch
        {
            int i => (long)i,
            IEnumerable<string> strings when value is not string => strings.ToArray(),
            IReadOnlyDictionary<string, string> map when value is not KV => new KV(map),
            _ => value,
        };
        return this;
    }

    bool IGoDynamicFields.TryGetField(string name, out object? value) => _extra.TryGetValue(name, out value);

    /// <summary>Parses an Alertmanager webhook body (or amtool's --template.data file).</summary>
    public static TemplateData FromWebhookJson(string json) => WebhookJson.Parse(json);
}

/// <summary>Fields known only at run time (TemplateData's extras).</summary>
internal interface IGoDynamicFields
{
    bool TryGetField(string name, out object? value);
}
