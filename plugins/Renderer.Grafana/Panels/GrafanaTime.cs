using System.Globalization;
using Promoter.Abstractions.Rendering;

namespace Promoter.Renderer.Grafana.Panels;

/// <summary>Grafana's time range syntax: epoch milliseconds, ISO 8601, <c>now</c>, <c>now-6h</c>, <c>now-1d/d</c>.</summary>
internal static class GrafanaTime
{
    public static DateTimeOffset Parse(string text, DateTimeOffset now, string name)
    {
        var t = text.Trim();
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        if (t.StartsWith("now", StringComparison.Ordinal))
        {
            var rest = t[3..];
            var rounding = rest.IndexOf('/', StringComparison.Ordinal);
            var offset = rounding < 0 ? rest : rest[..rounding];
            var value = now;
            if (offset.Length > 0)
            {
                value = value.Add(ParseOffset(offset, text, name));
            }

            // "/d" rounds to the start of the unit (Grafana rounds "to" to its end; the start is close enough for a chart).
            if (rounding >= 0)
            {
                value = RoundDown(value, rest[(rounding + 1)..], text, name);
            }

            return value;
        }

        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var absolute))
        {
            return absolute;
        }

        throw Bad(text, name);
    }

    private static TimeSpan ParseOffset(string offset, string text, string name)
    {
        var sign = offset[0] switch { '-' => -1, '+' => 1, _ => throw Bad(text, name) };
        var digits = offset[1..^1];
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw Bad(text, name);
        }

        var unit = offset[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            'w' => TimeSpan.FromDays(7),
            'M' => TimeSpan.FromDays(30),
            'y' => TimeSpan.FromDays(365),
            _ => throw Bad(text, name),
        };
        return unit * n * sign;
    }

    private static DateTimeOffset RoundDown(DateTimeOffset t, string unit, string text, string name) => unit switch
    {
        "s" => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.Offset),
        "m" => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, t.Offset),
        "h" => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, t.Offset),
        "d" => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, t.Offset),
        "w" => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, t.Offset).AddDays(-(int)t.DayOfWeek),
        "M" => new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, t.Offset),
        "y" => new DateTimeOffset(t.Year, 1, 1, 0, 0, 0, t.Offset),
        _ => throw Bad(text, name),
    };

    private static PanelRenderException Bad(string text, string name) =>
        new(PanelFailure.InvalidRequest, $"{name} '{text}' is not a Grafana time: write epoch milliseconds, an ISO 8601 time, now, or now-6h (units s m h d w M y)");
}
