using System.Runtime.InteropServices;

namespace Promoter.Host.Runtime;

/// <summary>
/// Keeps the C library's heap small in a long-running gateway. librsvg, pango, cairo, zlib and SQLite allocate with
/// malloc; glibc gives threads their own arenas (up to 8 per core) and, once a large block has been freed, serves
/// later large blocks from those arenas, which keep the freed memory. Two arenas, and large blocks (a chart's
/// 1.25 MiB surface) always mapped and returned on free, cut peak RSS by several MiB in bench/EndToEnd at no
/// measurable cost now that charts are rasterised on a few fixed threads. An operator's own MALLOC_ARENA_MAX or
/// MALLOC_MMAP_THRESHOLD_ wins; other C libraries (musl) are left alone.
/// </summary>
internal static partial class GlibcMallocTuning
{
    // mallopt(3) parameters from glibc's malloc.h.
    private const int MArenaMax = -8;
    private const int MMmapThreshold = -3;

    public const int ArenaMax = 2;
    public const int MmapThresholdBytes = 256 * 1024;

    /// <summary>Applies the settings; returns what was set, for the startup log (empty when nothing was).</summary>
    public static IReadOnlyList<string> Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var applied = new List<string>();
        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null && mallopt(MArenaMax, ArenaMax) == 1)
            {
                applied.Add($"MALLOC_ARENA_MAX={ArenaMax}");
            }

            if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null && mallopt(MMmapThreshold, MmapThresholdBytes) == 1)
            {
                applied.Add($"MALLOC_MMAP_THRESHOLD_={MmapThresholdBytes}");
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no libc.so.6): its allocator has no arenas to tune.
        }

        return applied;
    }

    [LibraryImport("libc.so.6")]
    private static partial int mallopt(int param, int value);
}
