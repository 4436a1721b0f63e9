using System.Globalization;
using System.Text.Json;
using Promoter.Abstractions.Rendering;

namespace Promoter.Renderer.Grafana.Panels;

/// <summary>A reference to a data source as a dashboard writes it: {type, uid}, a bare name, or a variable.</summary>
internal sealed record DataSourceRef(string? Type, string? Uid, string? Name);

/// <summary>One query of a panel (<c>targets[]</c>).</summary>
internal sealed record PanelTarget(string RefId, string Expr, string? LegendFormat, DataSourceRef? DataSource);

/// <summary>One threshold step (<c>fieldConfig.defaults.thresholds.steps[]</c>); the base step has no value.</summary>
internal sealed record ThresholdStep(double? Value, string Color);

/// <summary>A dashboard variable (<c>templating.list[]</c>) with its current selection.</summary>
internal sealed record DashboardVariable(string Name, string Type, IReadOnlyList<string> Current, bool Multi, bool IncludeAll, string? AllValue,
    IReadOnlyList<string> Options);

/// <summary>What the native renderer needs from a dashboard's panel, read from <c>/api/dashboards/uid/{uid}</c>.</summary>
internal sealed record DashboardPanel
{
    public required string DashboardUid { get; init; }
    public required string DashboardTitle { get; init; }
    public required int Id { get; init; }
    public required string Type { get; init; }
    public required string Title { get; init; }
    public DataSourceRef? DataSource { get; init; }
    public IReadOnlyList<PanelTarget> Targets { get; init; } = [];

    /// <summary>Hidden targets (<c>hide: true</c>) are left out of <see cref="Targets"/>; Grafana does not draw them either.</summary>
    public int HiddenTargets { get; init; }

    public string? Unit { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public IReadOnlyList<ThresholdStep> Thresholds { get; init; } = [];

    /// <summary><c>custom.thresholdsStyle.mode</c>: Grafana draws thresholds on a time series only when it is not "off".</summary>
    public string ThresholdsStyle { get; init; } = "off";

    /// <summary>Percentage thresholds (<c>mode: percentage</c>) are relative to min/max, not values.</summary>
    public bool PercentageThresholds { get; init; }

    public IReadOnlyList<DashboardVariable> Variables { get; init; } = [];

    /// <summary>Finds panel <paramref name="panelId"/> in the API's answer, also inside rows (collapsed rows keep their panels nested).</summary>
    public static DashboardPanel Read(JsonElement root, string uid, int panelId)
    {
        var dashboard = root.TryGetProperty("dashboard", out var d) ? d : root;
        if (dashboard.ValueKind != JsonValueKind.Object)
        {
            throw new PanelRenderException(PanelFailure.Unavailable, $"dashboard {uid}: Grafana's answer has no dashboard object");
        }

        var panel = Find(dashboard, panelId);
        if (panel is not { } p)
        {
            var ids = AllPanels(dashboard).Select(x => Int(x, "id")).Where(i => i is not null).Select(i => i!.Value.ToString(CultureInfo.InvariantCulture)).ToList();
            throw new PanelRenderException(PanelFailure.NotFound,
                $"dashboard {uid} has no panel {panelId} (its panels: {(ids.Count == 0 ? "none" : string.Join(", ", ids))})");
        }

        var targets = new List<PanelTarget>();
        var hidden = 0;
        if (p.TryGetProperty("targets", out var ts) && ts.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in ts.EnumerateArray())
            {
                if (t.TryGetProperty("hide", out var h) && h.ValueKind == JsonValueKind.True)
                {
                    hidden++;
                    continue;
                }

                targets.Add(new PanelTarget(Str(t, "refId") ?? "", Str(t, "expr") ?? "", Str(t, "legendFormat"),
                    t.TryGetProperty("datasource", out var tds) ? ReadDataSource(tds) : null));
            }
        }

        var defaults = p.TryGetProperty("fieldConfig", out var fc) && fc.TryGetProperty("defaults", out var df) ? df : default;
        var steps = new List<ThresholdStep>();
        var percentage = false;
        var style = "off";
        if (defaults.ValueKind == JsonValueKind.Object)
        {
            if (defaults.TryGetProperty("thresholds", out var th) && th.ValueKind == JsonValueKind.Object)
            {
                percentage = Str(th, "mode") == "percentage";
                if (th.TryGetProperty("steps", out var ss) && ss.ValueKind == JsonValueKind.Array)
                {
                    foreach (var s in ss.EnumerateArray())
                    {
                        steps.Add(new ThresholdStep(Number(s, "value"), Str(s, "color") ?? "red"));
                    }
                }
            }

            if (defaults.TryGetProperty("custom", out var custom) && custom.TryGetProperty("thresholdsStyle", out var tst))
            {
                style = Str(tst, "mode") ?? "off";
            }
        }

        return new DashboardPanel
        {
            DashboardUid = Str(dashboard, "uid") ?? uid,
            DashboardTitle = Str(dashboard, "title") ?? uid,
            Id = panelId,
            Type = Str(p, "type") ?? "graph",
            Title = Str(p, "title") ?? "",
            DataSource = p.TryGetProperty("datasource", out var ds) ? ReadDataSource(ds) : null,
            Targets = targets,
            HiddenTargets = hidden,
            Unit = defaults.ValueKind == JsonValueKind.Object ? Str(defaults, "unit") : null,
            Min = defaults.ValueKind == JsonValueKind.Object ? Number(defaults, "min") : null,
            Max = defaults.ValueKind == JsonValueKind.Object ? Number(defaults, "max") : null,
            Thresholds = steps,
            ThresholdsStyle = style,
            PercentageThresholds = percentage,
            Variables = ReadVariables(dashboard),
        };
    }

    private static JsonElement? Find(JsonElement dashboard, int id)
    {
        foreach (var p in AllPanels(dashboard))
        {
            if (Int(p, "id") == id)
            {
                return p;
            }
        }

        return null;
    }

    private static IEnumerable<JsonElement> AllPanels(JsonElement container)
    {
        // Old dashboards (schema < 16) keep panels under rows[].panels; newer ones in panels[], with collapsed rows nesting theirs.
        foreach (var key in new[] { "panels", "rows" })
        {
            if (!container.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var p in list.EnumerateArray())
            {
                if (p.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                yield return p;
                foreach (var inner in AllPanels(p))
                {
                    yield return inner;
                }
            }
        }
    }

    internal static DataSourceRef? ReadDataSource(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => new DataSourceRef(null, null, e.GetString()),
        JsonValueKind.Object => new DataSourceRef(Str(e, "type"), Str(e, "uid"), null),
        _ => null,
    };

    private static List<DashboardVariable> ReadVariables(JsonElement dashboard)
    {
        var result = new List<DashboardVariable>();
        if (!dashboard.TryGetProperty("templating", out var t) || !t.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var v in list.EnumerateArray())
        {
            var name = Str(v, "name");
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            var current = new List<string>();
            if (v.TryGetProperty("current", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("value", out var cv))
            {
                current.AddRange(Strings(cv));
            }
            else if (v.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String && Str(v, "type") is "constant" or "textbox")
            {
                current.Add(q.GetString()!);
            }

            var options = new List<string>();
            if (v.TryGetProperty("options", out var opts) && opts.ValueKind == JsonValueKind.Array)
            {
                foreach (var o in opts.EnumerateArray())
                {
                    if (o.TryGetProperty("value", out var ov))
                    {
                        options.AddRange(Strings(ov).Where(x => x != "$__all"));
                    }
                }
            }

            result.Add(new DashboardVariable(name, Str(v, "type") ?? "query", current,
                v.TryGetProperty("multi", out var m) && m.ValueKind == JsonValueKind.True,
                v.TryGetProperty("includeAll", out var ia) && ia.ValueKind == JsonValueKind.True,
                Str(v, "allValue"), options));
        }

        return result;
    }

    private static IEnumerable<string> Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Array => e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList(),
        JsonValueKind.Number => [e.GetRawText()],
        _ => [],
    };

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static double? Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
