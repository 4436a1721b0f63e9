using Promoter.Plugins.Sdk;
using Promoter.Testing.Infrastructure;

namespace Promoter.Abstractions.Tests;

public sealed class RobotPacerTests
{
    // maxWait zero: a free slot is reserved at once (null), a later one only reported. The clock moves between calls.
    public static TheoryData<string, (int Limit, double WindowSeconds)[], (double At, double? Wait)[]> Cases => new()
    {
        {
            "one window: 2 a minute",
            [(2, 60)],
            [(0, null), (0, null), (0, 60), (30, 30), (60, null), (60, null), (61, 59)]
        },
        {
            "two windows: 3 in 10 s and 1 a second",
            [(3, 10), (1, 1)],
            [(0, null), (0, 1), (1, null), (1, 1), (2, null), (2, 8), (9, 1), (10, null), (10, 1)]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WaitForSlotAsync_EveryWindowCounts_EarliestSlotAllWindowsAllow(string name, (int Limit, double WindowSeconds)[] limits, (double At, double? Wait)[] steps)
    {
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new ManualTimeProvider(start);
        var pacer = new RobotPacer(limits.Select(l => (l.Limit, TimeSpan.FromSeconds(l.WindowSeconds))).ToList(), time);

        foreach (var (at, expected) in steps)
        {
            time.Advance(start + TimeSpan.FromSeconds(at) - time.GetUtcNow());
            var wait = await pacer.WaitForSlotAsync(TimeSpan.Zero, CancellationToken.None);
            Assert.True(expected is null ? wait is null : wait == TimeSpan.FromSeconds(expected.Value), $"{name}: at {at}s expected {expected?.ToString() ?? "a slot"}, got {wait?.TotalSeconds.ToString() ?? "a slot"}");
        }
    }
}
