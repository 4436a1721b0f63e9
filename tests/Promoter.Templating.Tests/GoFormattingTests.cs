using Promoter.Templating.Execution;
using Promoter.Templating.Time;

namespace Promoter.Templating.Tests;

/// <summary>Go's number, duration and time printing, checked against values Go itself prints.</summary>
public class GoFormattingTests
{
    public GoFormattingTests() => LocalZone.PinToUtc();

    [Theory]
    [InlineData(1e6, 'g', -1, "1e+06")]
    [InlineData(123456.0, 'g', -1, "123456")]
    [InlineData(1234567.0, 'g', -1, "1.234567e+06")]
    [InlineData(0.0001, 'g', -1, "0.0001")]
    [InlineData(0.00001, 'g', -1, "1e-05")]
    [InlineData(1e21, 'g', -1, "1e+21")]
    [InlineData(0.0, 'g', -1, "0")]
    [InlineData(-2.5, 'g', -1, "-2.5")]
    [InlineData(3.14159, 'f', 2, "3.14")]
    [InlineData(3.0, 'f', 0, "3")]
    [InlineData(123456.789, 'e', 6, "1.234568e+05")]
    [InlineData(0.000123, 'E', 6, "1.230000E-04")]
    [InlineData(3.14159, 'g', 3, "3.14")]
    [InlineData(100.0, 'g', 2, "1e+02")]
    [InlineData(double.PositiveInfinity, 'g', -1, "+Inf")]
    [InlineData(double.NaN, 'g', -1, "NaN")]
    public void FormatFloat_GoVerbs_MatchesStrconv(double value, char fmt, int prec, string expected) =>
        Assert.Equal(expected, GoFmt.FormatFloat(value, fmt, prec));

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1500L, "1.5µs")]
    [InlineData(2_000_000L, "2ms")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(5_400_000_000_000L, "1h30m0s")]
    [InlineData(-61_000_000_000L, "-1m1s")]
    [InlineData(28_800_000_000_000L, "8h0m0s")]
    public void DurationString_Nanoseconds_PrintsLikeGo(long ns, string expected) =>
        Assert.Equal(expected, new GoDuration(ns).String());

    public static TheoryData<string, object?[], string> SprintfCases() => new()
    {
        { "%s|%5s|%-5s|", ["x", "x", "x"], "x|    x|x    |" },
        { "%d %05d %+d %x %X %o %b", [42L, 42L, 42L, 42L, 42L, 42L, 42L], "42 00042 +42 2a 2A 52 101010" },
        { "%.2f %8.3f %-8.1f| %e %g", [3.14159, 3.14159, 3.14159, 3.14159, 3.14159], "3.14    3.142 3.1     | 3.141590e+00 3.14159" },
        { "%q %v %t %%", ["q", new[] { "a", "b" }, true], "\"q\" [a b] true %" },
        { "%d", ["x"], "%!d(string=x)" },
        { "%s %s", ["x"], "x %!s(MISSING)" },
        { "%s", ["x", 1L], "x%!(EXTRA int=1)" },
        { "%v %v", [null, 1.5e-7], "<nil> 1.5e-07" },
    };

    [Theory]
    [MemberData(nameof(SprintfCases))]
    public void Sprintf_CommonVerbs_FormatsLikeGo(string format, object?[] args, string expected) =>
        Assert.Equal(expected, GoFmt.Sprintf(format, args));

    [Theory]
    [InlineData("2006-01-02 15:04:05", "2026-08-20 10:00:00")]
    [InlineData("2006-01-02T15:04:05.000Z07:00", "2026-08-20T10:00:00.123+08:00")]
    [InlineData("Mon Jan _2 3:04PM MST", "Thu Aug 20 10:00AM +0800")]
    [InlineData("02/01/06 15h04 .999999999", "20/08/26 10h00 .123456789")]
    [InlineData("Monday, January 2, 2006 -07:00 -0700 -07", "Thursday, August 20, 2026 +08:00 +0800 +08")]
    public void Format_GoLayouts_RendersWallClockInOwnZone(string layout, string expected)
    {
        Assert.True(GoTime.TryParseRfc3339("2026-08-20T10:00:00.123456789+08:00", out var t));
        Assert.Equal(expected, t.Format(layout));
    }

    [Fact]
    public void String_ZeroTime_PrintsGoZero() =>
        Assert.Equal("0001-01-01 00:00:00 +0000 UTC", GoTime.Zero.String());

    [Theory]
    [InlineData("2026-08-20T02:05:30Z", "2026-08-20 02:05:30 +0000 UTC")]
    [InlineData("2026-08-19T23:59:59.5Z", "2026-08-19 23:59:59.5 +0000 UTC")]
    [InlineData("2026-08-20T10:00:00+08:00", "2026-08-20 10:00:00 +0800 +0800")]
    public void TryParseRfc3339_WebhookTimes_PrintLikeGo(string input, string expected)
    {
        Assert.True(GoTime.TryParseRfc3339(input, out var t));
        Assert.Equal(expected, t.String());
    }

    [Theory]
    [InlineData("2026-08-20")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-08-20T10:00:00")]
    public void TryParseRfc3339_NotRfc3339_ReturnsFalse(string input) =>
        Assert.False(GoTime.TryParseRfc3339(input, out _));

    [Fact]
    public void Add_EightHoursAsFloatConstant_ShiftsLikeGo()
    {
        Assert.True(GoTime.TryParseRfc3339("2026-08-20T02:05:30Z", out var t));
        Assert.Equal("2026-08-20 10:05:30", t.Add(new GoDuration(28_800_000_000_000)).Format("2006-01-02 15:04:05"));
    }
}

public class GoLocationTests
{
    [Theory]
    [InlineData("Asia/Shanghai", "2026-08-20T02:05:30Z", "2026-08-20 10:05:30 +0800 CST")]
    [InlineData("Europe/Berlin", "2026-08-20T02:05:30Z", "2026-08-20 04:05:30 +0200 CEST")]
    [InlineData("Europe/Berlin", "2026-01-20T02:05:30Z", "2026-01-20 03:05:30 +0100 CET")]
    [InlineData("America/New_York", "2026-08-20T02:05:30Z", "2026-08-19 22:05:30 -0400 EDT")]
    [InlineData("UTC", "2026-08-20T02:05:30Z", "2026-08-20 02:05:30 +0000 UTC")]
    public void In_NamedZone_PrintsOffsetAndAbbreviationLikeGo(string zone, string instant, string expected)
    {
        Assert.True(GoTime.TryParseRfc3339(instant, out var t));
        var loc = GoLocation.Load(zone);
        Assert.NotNull(loc);
        Assert.Equal(expected, t.In(loc).String());
    }

    [Theory]
    [InlineData("Nowhere/City")]
    [InlineData("../etc/passwd")]
    public void Load_UnknownOrPathLikeName_ReturnsNull(string zone) => Assert.Null(GoLocation.Load(zone));
}
