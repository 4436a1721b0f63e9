using Promoter.Renderer.Prometheus.Chart;

namespace Promoter.Renderer.Grafana.Panels;

/// <summary>
/// Maps a panel's unit id (<c>fieldConfig.defaults.unit</c>, Grafana's ids) to the chart engine's units. The engine
/// labels bytes, seconds, percent, ratios and plain numbers; a smaller time unit is converted to seconds
/// (<paramref name="Scale"/>), and a unit the engine has no axis format for (Bps, reqps, …) is drawn as plain
/// numbers with its id kept for the title (<paramref name="Suffix"/>), so the reader still sees what is counted.
/// </summary>
internal readonly record struct PanelUnit(Unit Unit, double Scale, string? Suffix)
{
    public static PanelUnit From(string? id) => id?.Trim() switch
    {
        null or "" or "short" or "none" or "locale" => new(Unit.Short, 1, null),
        "bytes" or "decbytes" => new(Unit.Bytes, 1, null),
        "kbytes" or "deckbytes" => new(Unit.Bytes, 1024, null),
        "mbytes" or "decmbytes" => new(Unit.Bytes, 1024 * 1024, null),
        "gbytes" or "decgbytes" => new(Unit.Bytes, 1024 * 1024 * 1024, null),
        "s" or "dtdurations" => new(Unit.Seconds, 1, null),
        "ms" => new(Unit.Seconds, 1e-3, null),
        "µs" or "us" => new(Unit.Seconds, 1e-6, null),
        "ns" => new(Unit.Seconds, 1e-9, null),
        "m" => new(Unit.Seconds, 60, null),
        "h" => new(Unit.Seconds, 3600, null),
        "percent" => new(Unit.Percent, 1, null),
        "percentunit" => new(Unit.PercentUnit, 1, null),
        { } other => new(Unit.Short, 1, other),
    };
}
