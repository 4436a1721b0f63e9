namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>Time axis ticks at round local times (every 5 min, 1 h, 1 day…) in the configured time zone.</summary>
internal static class TimeTicks
{
    private static readonly int[] StepsSeconds =
    [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
    ];

    public static (IReadOnlyList<DateTimeOffset> Ticks, string Format) For(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, int target)
    {
        var range = Math.Max((to - from).TotalSeconds, 1);
        var step = StepsSeconds[^1];
        foreach (var s in StepsSeconds)
        {
            if (range / s <= target)
            {
                step = s;
                break;
            }
        }

        // Align in local time so that ticks fall on local round hours and midnights.
        var offset = zone.GetUtcOffset(from).TotalSeconds;
        var localStart = from.ToUnixTimeSeconds() + offset;
        var first = Math.Ceiling(localStart / step) * step;
        var ticks = new List<DateTimeOffset>();
        for (var t = first; t - offset <= to.ToUnixTimeSeconds() && ticks.Count < 100; t += step)
        {
            ticks.Add(DateTimeOffset.FromUnixTimeSeconds((long)(t - offset)));
        }

        var spansDays = TimeZoneInfo.ConvertTime(from, zone).Date != TimeZoneInfo.ConvertTime(to, zone).Date;
        var format = step switch
        {
            < 60 => "HH:mm:ss",
            >= 86400 => "MM-dd",
            _ when spansDays && range > 86400 => "MM-dd HH:mm",
            _ => "HH:mm",
        };
        return (ticks, format);
    }
}
