using System.Globalization;
using System.Text;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// Durations as Prometheus and Alertmanager write them: one or more <c>&lt;number&gt;&lt;unit&gt;</c> with
/// units ms, s, m, h, d (24h), w (7d), y (365d), largest first (<c>1h30m</c>, <c>7d</c>, <c>500ms</c>).
/// A bare <c>0</c> is accepted.
/// </summary>
public static class DurationSyntax
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s == "0")
        {
            return true;
        }

        long totalMs = 0;
        var i = 0;
        var lastUnitRank = int.MaxValue;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || !long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetterLower(s[i]))
            {
                i++;
            }

            var (unitMs, rank) = s.AsSpan(unitStart, i - unitStart) switch
            {
                "y" => (365L * 24 * 3600 * 1000, 7),
                "w" => (7L * 24 * 3600 * 1000, 6),
                "d" => (24L * 3600 * 1000, 5),
                "h" => (3600L * 1000, 4),
                "m" => (60L * 1000, 3),
                "s" => (1000L, 2),
                "ms" => (1L, 1),
                _ => (0L, 0),
            };
            if (rank == 0 || rank >= lastUnitRank)
            {
                return false;
            }

            lastUnitRank = rank;
            try
            {
                totalMs = checked(totalMs + checked(n * unitMs));
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Formats as the shortest Prometheus duration (<c>1h30m</c>, <c>7d</c>, <c>0s</c>).</summary>
    public static string Format(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (ms < 0)
        {
            sb.Append('-');
            ms = -ms;
        }

        Append(ref ms, 7L * 24 * 3600 * 1000, "w");
        Append(ref ms, 24L * 3600 * 1000, "d");
        Append(ref ms, 3600L * 1000, "h");
        Append(ref ms, 60L * 1000, "m");
        Append(ref ms, 1000L, "s");
        Append(ref ms, 1L, "ms");
        return sb.ToString();

        void Append(ref long rest, long unit, string name)
        {
            if (rest >= unit)
            {
                sb.Append((rest / unit).ToString(CultureInfo.InvariantCulture)).Append(name);
                rest %= unit;
            }
        }
    }
}
