using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;

namespace Promoter.Renderer.Prometheus.Tests;

public sealed class LeadingGapTests
{
    private static readonly DateTimeOffset To = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static ChartModel Model(double firstSampleMinutesBeforeEnd, DateTimeOffset? firing = null)
    {
        var samples = new List<Sample>();
        for (var m = firstSampleMinutesBeforeEnd; m >= 0; m -= 0.25)
        {
            samples.Add(new Sample(To.AddMinutes(-m).ToUnixTimeMilliseconds() / 1000.0, 1));
        }

        return new ChartModel
        {
            Title = "t",
            From = To.AddHours(-1),
            To = To,
            Step = TimeSpan.FromSeconds(15),
            Series = [new ChartSeries("s", samples)],
            FiringAt = firing,
        };
    }

    [Fact]
    public void TrimLeadingGap_DataOnlyInLastTwoMinutes_StartsShortlyBeforeFirstSample()
    {
        var trimmed = PrometheusRenderer.TrimLeadingGap(Model(2));

        Assert.InRange(trimmed.From, To.AddMinutes(-2.5), To.AddMinutes(-2));
    }

    [Fact]
    public void TrimLeadingGap_DataFromEarlyInWindow_WindowKept()
    {
        var model = Model(55);

        Assert.Equal(model.From, PrometheusRenderer.TrimLeadingGap(model).From);
    }

    [Fact]
    public void TrimLeadingGap_FiringBeforeFirstSample_MarkerStaysInside()
    {
        var firing = To.AddMinutes(-10);

        var trimmed = PrometheusRenderer.TrimLeadingGap(Model(2, firing));

        Assert.True(trimmed.From < firing, $"from {trimmed.From:O} must precede firing {firing:O}");
        Assert.True(trimmed.From >= To.AddHours(-1));
    }

    [Fact]
    public void TrimLeadingGap_NoData_WindowKept()
    {
        var model = Model(2) with { Series = [] };

        Assert.Equal(model.From, PrometheusRenderer.TrimLeadingGap(model).From);
    }
}
