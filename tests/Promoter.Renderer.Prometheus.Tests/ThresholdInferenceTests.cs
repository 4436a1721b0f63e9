using Promoter.Renderer.Prometheus.Inference;

namespace Promoter.Renderer.Prometheus.Tests;

public class ThresholdInferenceTests
{
    [Theory]
    [InlineData("scrape_duration_seconds{job=\"prometheus\"} > 1e-06", "scrape_duration_seconds{job=\"prometheus\"}", 1e-6, "Above")]
    [InlineData("up == 0", "up", 0, "Equal")]
    [InlineData("x != 1", "x", 1, "NotEqual")]
    [InlineData("x >= 5", "x", 5, "AboveOrEqual")]
    [InlineData("x < 10", "x", 10, "Below")]
    [InlineData("x <= -3", "x", -3, "BelowOrEqual")]
    [InlineData("0.8 < x", "x", 0.8, "Above")]
    [InlineData("0.8 >= x", "x", 0.8, "BelowOrEqual")]
    [InlineData("(x > (0.9))", "x", 0.9, "Above")]
    [InlineData("x > 1024 * 1024 * 1024", "x", 1073741824, "Above")]
    [InlineData("x > 86400 * 20", "x", 1728000, "Above")]
    [InlineData("x > (25 / 100)", "x", 0.25, "Above")]
    [InlineData("x > 2 ^ 10", "x", 1024, "Above")]
    [InlineData("x > 0x10", "x", 16, "Above")]
    [InlineData("100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))) > 80",
        "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])))", 80, "Above")]
    [InlineData("x - 1 > 5", "x - 1", 5, "Above")]
    // Recording rules may name series with a leading colon (Prometheus' metric-name grammar allows it).
    [InlineData(":node_memory:ratio > 0.9", ":node_memory:ratio", 0.9, "Above")]
    [InlineData("1 - :node_memory_MemAvailable_bytes:sum / :node_memory_MemTotal_bytes:sum > 0.9",
        "1 - :node_memory_MemAvailable_bytes:sum / :node_memory_MemTotal_bytes:sum", 0.9, "Above")]
    [InlineData("x > on() vector(3)", "x", 3, "Above")]
    public void Infer_ComparisonWithLiteral_GivesSideThresholdAndDirection(string expression, string plotted, double threshold, string direction)
    {
        var plan = Assert.Single(ThresholdInference.Infer(expression));
        Assert.Equal(plotted, plan.Query);
        Assert.Equal(threshold, plan.Threshold!.Value, 9);
        Assert.Equal(Enum.Parse<BreachDirection>(direction), plan.Direction);
        Assert.Null(plan.ThresholdQuery);
        Assert.Null(plan.ParseError);
    }

    [Theory]
    [InlineData("a > 0.8 and b < 3", 2)]
    [InlineData("a > 0.8 or b < 3 or c == 1", 3)]
    [InlineData("(a > 0.8 and b > 1) or c < 3", 3)]
    [InlineData("x > 5 unless on (instance) maintenance == 1", 2)]
    public void Infer_SetOperators_GiveOneChartPerComparison(string expression, int charts)
    {
        var plans = ThresholdInference.Infer(expression);
        Assert.Equal(charts, plans.Count);
        Assert.All(plans, p => Assert.NotNull(p.Threshold));
    }

    [Fact]
    public void Infer_TimexSplit_KeepsEachSide()
    {
        var plans = ThresholdInference.Infer("(node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0)");
        Assert.Equal(4, plans.Count);
        Assert.Equal(("node_timex_offset_seconds", 0.05, BreachDirection.Above), (plans[0].Query, plans[0].Threshold!.Value, plans[0].Direction));
        Assert.Equal(("node_timex_offset_seconds", -0.05, BreachDirection.Below), (plans[2].Query, plans[2].Threshold!.Value, plans[2].Direction));
    }

    [Fact]
    public void Infer_RightSideNotLiteral_QueriesItAsThresholdSeries()
    {
        var plan = Assert.Single(ThresholdInference.Infer("process_open_fds > 0.8 * process_max_fds"));
        Assert.Equal("process_open_fds", plan.Query);
        Assert.Null(plan.Threshold);
        Assert.Equal("0.8 * process_max_fds", plan.ThresholdQuery);
        Assert.Equal(BreachDirection.Above, plan.Direction);
    }

    [Theory]
    [InlineData("x > bool 1")]
    [InlineData("sum(x > bool 1)")]
    [InlineData("rate(x[5m])")]
    [InlineData("absent(up{job=\"a\"})")]
    public void Infer_NoTopLevelFilteringComparison_PlotsWholeWithoutThreshold(string expression)
    {
        var plan = Assert.Single(ThresholdInference.Infer(expression));
        Assert.Equal(expression, plan.Query);
        Assert.Null(plan.Threshold);
        Assert.Null(plan.ThresholdQuery);
        Assert.Equal(BreachDirection.None, plan.Direction);
    }

    [Fact]
    public void Infer_Unparsable_PlotsWholeAndReportsWhy()
    {
        var plan = Assert.Single(ThresholdInference.Infer("rate(x[5m] > 1"));
        Assert.Equal("rate(x[5m] > 1", plan.Query);
        Assert.Null(plan.Threshold);
        Assert.Contains("expected ')' to close rate", plan.ParseError, StringComparison.Ordinal);
    }
}
