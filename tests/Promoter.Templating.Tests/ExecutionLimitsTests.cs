using System.Diagnostics;

namespace Promoter.Templating.Tests;

/// <summary>A template is code a request can send (the preview API): every execution is bounded.</summary>
public sealed class ExecutionLimitsTests
{
    // The clock is far away so that the output and step limits decide, whatever the load of the machine running the
    // tests (CI runs thousands of tests in parallel on two cores); the time budget has its own tests below.
    private static readonly ExecutionLimits Small = new() { MaxOutputChars = 100_000, MaxSteps = 200_000, Timeout = TimeSpan.FromSeconds(60) };

    // Without its limits each of these executions would run for minutes or allocate gigabytes; "stopped well within
    // this" proves the limit acted, with room for a loaded machine's pauses.
    private static readonly TimeSpan Stopped = TimeSpan.FromSeconds(15);

    private static string Run(string text, ExecutionLimits? limits = null, CancellationToken cancellationToken = default, FunctionProfile profile = FunctionProfile.DingTalk)
    {
        var set = new TemplateSet(profile);
        set.Parse("t", text);
        return set.Execute("t", null, limits ?? Small, cancellationToken);
    }

    [Theory]
    // Output growing past the cap: one huge value, many small ones, doubling in a loop, padding.
    [InlineData("""{{ repeat 10000 (repeat 10000 "x") }}""", "repeat would be larger than 100000 characters")]
    [InlineData("""{{ range until 100000 }}xxxxxxxxxx{{ end }}""", "the output would be larger than 100000 characters")]
    [InlineData("""{{ $x := "xx" }}{{ range until 40 }}{{ $x = print $x $x }}{{ end }}{{ len $x }}""", "the result of print would be larger")]
    [InlineData("""{{ range until 1000 }}{{ printf "%900d" 1 }}{{ end }}""", "the output would be larger")]
    [InlineData("""{{ indent 1000000 "a\nb" }}""", "indent would be larger")]
    [InlineData("""{{ printf "%9999999d" 1 }}""", "the result of printf would be larger")]
    // Steps: nested loops that print nothing.
    [InlineData("""{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}""", "stopped after 200000 steps")]
    [InlineData("""{{ define "r" }}{{ range until 3 }}{{ template "r" }}{{ end }}{{ end }}{{ template "r" }}""", "")]
    public void Execute_Hostile_StopsWithLimitError(string text, string message)
    {
        var watch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<TemplateException>(() => Run(text));

        Assert.True(watch.Elapsed < Stopped, $"took {watch.Elapsed}");
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_DefaultLimits_Repeat10000Squared_RefusedBeforeAllocating()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var set = new TemplateSet(FunctionProfile.DingTalk);
        set.Parse("t", """{{ repeat 10000 (repeat 10000 "x") }}""");

        Assert.Throws<TemplateLimitException>(() => set.Execute("t", null));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024 * 1024, "allocated more than 16 MiB");
    }

    [Fact]
    public void Execute_TimeBudget_StopsLongLoop()
    {
        var limits = new ExecutionLimits { MaxSteps = long.MaxValue, Timeout = TimeSpan.FromMilliseconds(300) };
        var watch = Stopwatch.StartNew();

        var e = Assert.Throws<TemplateLimitException>(() => Run("""{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}""", limits));

        Assert.True(watch.Elapsed < Stopped, $"took {watch.Elapsed}");
        Assert.Contains("stopped after 0.3s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_CallerCancels_StopsPromptly()
    {
        var limits = new ExecutionLimits { MaxSteps = long.MaxValue, Timeout = TimeSpan.FromMinutes(5) };
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();

        var e = Assert.Throws<TemplateLimitException>(() => Run("""{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}""", limits, cts.Token));

        Assert.True(watch.Elapsed < Stopped, $"took {watch.Elapsed}");
        Assert.Contains("cancelled", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{{ repeat 3 "ab" }}""", "ababab")]
    [InlineData("""{{ repeat 0 "ab" }}|{{ repeat -1 "ab" }}""", "|")]
    [InlineData("""{{ len (repeat 20000 "x") }}""", "20000")]
    [InlineData("""{{ printf "%5d|%-4s|" 42 "a" }}""", "   42|a   |")]
    // Go's fmt: a width over 1e6 is "too large" and ends the verb.
    [InlineData("""{{ printf "%99999999d" 1 }}""", "%!(NOVERB)%!(EXTRA int=1)")]
    [InlineData("""{{ printf "%99999999999d" 1 }}""", "%!(NOVERB)%!(EXTRA int=1)")]
    [InlineData("""{{ printf "%*d" 2000000 1 }}""", "%!(BADWIDTH)1")]
    public void Execute_WithinLimits_GoResult(string text, string expected)
    {
        Assert.Equal(expected, Run(text));
    }
}
