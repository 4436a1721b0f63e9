namespace Promoter.Renderer.Prometheus.Client;

/// <summary>
/// The step of a range query: about <c>points</c> samples over the range, whole seconds (Prometheus's own UI
/// never goes below 1 s), and never more than Prometheus's limit of 11,000 points per series
/// (<c>(end-start)/step &gt; 11000</c> is rejected with bad_data "exceeded maximum resolution").
/// </summary>
internal static class QueryStep
{
    public const int MaxPoints = 11_000;

    public static TimeSpan For(DateTimeOffset from, DateTimeOffset to, int points)
    {
        var range = Math.Max((to - from).TotalSeconds, 1);
        var wanted = Math.Ceiling(range / Math.Max(points, 1));
        var floor = Math.Ceiling(range / MaxPoints);
        return TimeSpan.FromSeconds(Math.Max(Math.Max(wanted, floor), 1));
    }

    /// <summary>Aligns the range to the step so that consecutive charts sample the same instants.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Align(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var s = (long)step.TotalSeconds;
        var f = from.ToUnixTimeSeconds() / s * s;
        var t = (to.ToUnixTimeSeconds() + s - 1) / s * s;
        return (DateTimeOffset.FromUnixTimeSeconds(f), DateTimeOffset.FromUnixTimeSeconds(t));
    }
}
