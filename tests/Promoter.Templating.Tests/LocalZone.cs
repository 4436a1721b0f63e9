using Promoter.Templating.Time;

namespace Promoter.Templating.Tests;

/// <summary>
/// Go's Local zone is the process's; the oracle runs amtool with TZ=UTC, so the engine's Local is pinned
/// to UTC in tests whatever the machine's zone is.
/// </summary>
internal static class LocalZone
{
    private static readonly Lazy<bool> Pinned = new(() =>
    {
        GoLocation.Local = GoLocation.LocalFrom(TimeZoneInfo.Utc);
        return true;
    });

    public static void PinToUtc() => _ = Pinned.Value;
}
