namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>Axis ticks at 1, 2, 2.5 or 5 × 10^k (Heckbert's "nice numbers"), covering the data range.</summary>
internal static class NiceTicks
{
    public static (double Min, double Max, double Step, int Decimals) For(double min, double max, int target)
    {
        if (!(max > min))
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad;
            max += pad;
        }

        var rough = (max - min) / Math.Max(target, 1);
        var exponent = Math.Floor(Math.Log10(rough));
        var magnitude = Math.Pow(10, exponent);
        var fraction = rough / magnitude;
        var nice = fraction switch
        {
            <= 1 => 1.0,
            <= 2 => 2.0,
            <= 2.5 => 2.5,
            <= 5 => 5.0,
            _ => 10.0,
        };
        var step = nice * magnitude;
        var decimals = Math.Max(0, -(int)exponent + (nice == 2.5 ? 1 : 0) - (nice == 10 ? 1 : 0));
        var lo = Math.Floor(min / step) * step;
        var hi = Math.Ceiling(max / step) * step;
        return (lo, hi, step, decimals);
    }

    /// <summary>The tick positions from <paramref name="lo"/> to <paramref name="hi"/> (bounded, for huge ranges).</summary>
    public static IEnumerable<double> Enumerate(double lo, double hi, double step)
    {
        var n = (int)Math.Min(Math.Round((hi - lo) / step), 50);
        for (var i = 0; i <= n; i++)
        {
            yield return lo + (i * step);
        }
    }
}
