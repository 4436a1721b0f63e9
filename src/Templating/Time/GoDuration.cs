using System.Globalization;
using System.Text;

namespace Promoter.Templating.Time;

/// <summary>
/// Go's <c>time.Duration</c>: an int64 count of nanoseconds whose <c>String()</c> prints like <c>1h2m3.5s</c>.
/// Templates compare it with integers and pass integer (or integral float) constants where one is expected,
/// e.g. <c>.StartsAt.Add 28800e9</c>.
/// </summary>
public readonly record struct GoDuration(long Nanoseconds) : IGoInteger, IGoStringer
{
    public const long Nanosecond = 1;
    public const long Microsecond = 1000;
    public const long Millisecond = 1000 * Microsecond;
    public const long Second = 1000 * Millisecond;
    public const long Minute = 60 * Second;
    public const long Hour = 60 * Minute;

    long IGoInteger.Value => Nanoseconds;

    public double Hours() => (double)(Nanoseconds / Hour) + (double)(Nanoseconds % Hour) / Hour;
    public double Minutes() => (double)(Nanoseconds / Minute) + (double)(Nanoseconds % Minute) / Minute;
    public double Seconds() => (double)(Nanoseconds / Second) + (double)(Nanoseconds % Second) / 1e9;
    public long Milliseconds() => Nanoseconds / Millisecond;
    public long Microseconds() => Nanoseconds / Microsecond;

    public GoDuration Truncate(GoDuration m) => m.Nanoseconds <= 0 ? this : new GoDuration(Nanoseconds - Nanoseconds % m.Nanoseconds);

    public GoDuration Round(GoDuration m)
    {
        if (m.Nanoseconds <= 0)
        {
            return this;
        }

        var r = Nanoseconds % m.Nanoseconds;
        if (Nanoseconds < 0)
        {
            r = -r;
            return r + r < m.Nanoseconds ? new GoDuration(Nanoseconds + r) : new GoDuration(Nanoseconds + r - m.Nanoseconds);
        }

        return r + r < m.Nanoseconds ? new GoDuration(Nanoseconds - r) : new GoDuration(Nanoseconds - r + m.Nanoseconds);
    }

    public GoDuration Abs() => Nanoseconds >= 0 ? this : Nanoseconds == long.MinValue ? new GoDuration(long.MaxValue) : new GoDuration(-Nanoseconds);

    /// <summary>Go's Duration.String: "0s", "1.5µs", "2ms", "1h0m0s", "-1m30.5s".</summary>
    public string String()
    {
        if (Nanoseconds == 0)
        {
            return "0s";
        }

        var neg = Nanoseconds < 0;
        var u = neg ? (ulong)(-(Nanoseconds + 1)) + 1 : (ulong)Nanoseconds;
        var sb = new StringBuilder();
        if (u < (ulong)Second)
        {
            if (u < (ulong)Microsecond)
            {
                sb.Append(u.ToString(CultureInfo.InvariantCulture)).Append("ns");
            }
            else if (u < (ulong)Millisecond)
            {
                sb.Append(Fraction(u, 3)).Append("µs");
            }
            else
            {
                sb.Append(Fraction(u, 6)).Append("ms");
            }
        }
        else
        {
            var seconds = Fraction(u, 9);
            var whole = u / (ulong)Second;
            var minutes = whole / 60;
            var hours = minutes / 60;
            minutes %= 60;
            if (hours > 0)
            {
                sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h')
                  .Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }
            else if (minutes > 0)
            {
                sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }

            // Fraction printed the whole seconds since the epoch of the duration; keep only the seconds of the minute.
            var dot = seconds.IndexOf('.', StringComparison.Ordinal);
            var frac = dot >= 0 ? seconds[dot..] : "";
            sb.Append((whole % 60).ToString(CultureInfo.InvariantCulture)).Append(frac).Append('s');
        }

        return neg ? "-" + sb : sb.ToString();
    }

    // value / 10^digits with the fraction's trailing zeros (and a lone dot) removed.
    private static string Fraction(ulong v, int digits)
    {
        ulong pow = 1;
        for (var i = 0; i < digits; i++)
        {
            pow *= 10;
        }

        var whole = v / pow;
        var frac = (v % pow).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        return frac.Length == 0 ? whole.ToString(CultureInfo.InvariantCulture) : whole.ToString(CultureInfo.InvariantCulture) + "." + frac;
    }

    public override string ToString() => String();
}

/// <summary>A Go named integer type (time.Duration, time.Month, time.Weekday): integer kind for comparisons.</summary>
public interface IGoInteger
{
    long Value { get; }
}

/// <summary>A Go value with a <c>String()</c> method (fmt.Stringer): printing uses it.</summary>
public interface IGoStringer
{
    string String();
}

/// <summary>Go's time.Month: prints as "January", compares as an integer.</summary>
public readonly record struct GoMonth(long Value) : IGoInteger, IGoStringer
{
    private static readonly string[] Names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public string String() => Value is >= 1 and <= 12 ? Names[Value - 1] : "%!Month(" + Value.ToString(CultureInfo.InvariantCulture) + ")";

    public override string ToString() => String();
}

/// <summary>Go's time.Weekday: prints as "Sunday", compares as an integer.</summary>
public readonly record struct GoWeekday(long Value) : IGoInteger, IGoStringer
{
    private static readonly string[] Names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    public string String() => Value is >= 0 and <= 6 ? Names[Value] : "%!Weekday(" + Value.ToString(CultureInfo.InvariantCulture) + ")";

    public override string ToString() => String();
}
