using System.Globalization;

namespace Promoter.Templating.Time;

/// <summary>
/// Go's <c>time.Time</c> with the methods templates call (Format with Go layouts, Add, Sub, In, UTC, Local,
/// Unix…). Nanosecond precision (RFC 3339 timestamps carry nine digits); printing uses <c>String()</c>:
/// <c>2006-01-02 15:04:05.999999999 -0700 MST</c>.
/// </summary>
public readonly struct GoTime : IEquatable<GoTime>, IGoStringer
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private const long UnixEpochSeconds = 62135596800; // seconds from 0001-01-01 to 1970-01-01
    private readonly long _seconds; // since 0001-01-01 00:00:00 UTC
    private readonly int _nanos;
    private readonly GoLocation? _location; // null = UTC (Go's zero Time has a nil, i.e. UTC, location)

    public GoTime(long secondsSinceYear1Utc, int nanosecond, GoLocation? location)
    {
        _seconds = secondsSinceYear1Utc;
        _nanos = nanosecond;
        _location = location == GoLocation.Utc ? null : location;
    }

    public static GoTime Zero => default;

    public GoLocation Location() => _location ?? GoLocation.Utc;

    /// <summary>From a .NET instant; the zone is a fixed offset named "" unless it is UTC or matches Local.</summary>
    public static GoTime FromDateTimeOffset(DateTimeOffset value, GoLocation? location = null)
    {
        var utcTicks = value.UtcTicks;
        var seconds = utcTicks / TicksPerSecond;
        var nanos = (int)(utcTicks % TicksPerSecond * 100);
        return new GoTime(seconds, nanos, location ?? LocationFor(seconds, (int)value.Offset.TotalSeconds));
    }

    /// <summary>What Go's time parsing picks for a numeric offset: Local when it matches, else a fixed zone "".</summary>
    internal static GoLocation LocationFor(long utcSeconds, int offset)
    {
        var local = GoLocation.Local;
        if (local.Lookup(ToDateTime(utcSeconds)).Offset == offset)
        {
            return local;
        }

        return GoLocation.Fixed("", offset);
    }

    internal static GoTime FromUtcParts(long utcSeconds, int nanos, GoLocation? location) => new(utcSeconds, nanos, location);

    public static GoTime FromUnix(long seconds, long nanos, GoLocation? location = null)
    {
        seconds += Math.DivRem(nanos, 1_000_000_000, out var rem);
        if (rem < 0)
        {
            seconds--;
            rem += 1_000_000_000;
        }

        return new GoTime(seconds + UnixEpochSeconds, (int)rem, location ?? GoLocation.Local);
    }

    public static GoTime Now(TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        return FromDateTimeOffset(now, GoLocation.Local);
    }

    public DateTimeOffset ToDateTimeOffset()
    {
        var (offset, _) = Zone();
        var ticks = Math.Clamp(_seconds, 0, DateTime.MaxValue.Ticks / TicksPerSecond) * TicksPerSecond + _nanos / 100;
        return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromSeconds(offset));
    }

    internal long UtcSeconds => _seconds;

    internal static DateTime ToDateTime(long seconds) =>
        new(Math.Clamp(seconds, 0, DateTime.MaxValue.Ticks / TicksPerSecond - 1) * TicksPerSecond, DateTimeKind.Utc);

    internal (int Offset, string Abbreviation) Zone() =>
        _location is null ? (0, "UTC") : _location.Lookup(ToDateTime(_seconds));

    /// <summary>The wall clock in the time's own zone.</summary>
    internal DateTime Wall
    {
        get
        {
            var (offset, _) = Zone();
            return ToDateTime(_seconds + offset);
        }
    }

    public bool IsZero() => _seconds == 0 && _nanos == 0;

    public GoTime UTC() => new(_seconds, _nanos, null);

    public GoTime Local() => new(_seconds, _nanos, GoLocation.Local);

    public GoTime In(GoLocation location) => new(_seconds, _nanos, location);

    public GoTime Add(GoDuration d)
    {
        var ns = _nanos + d.Nanoseconds % 1_000_000_000;
        var s = _seconds + d.Nanoseconds / 1_000_000_000;
        if (ns >= 1_000_000_000)
        {
            s++;
            ns -= 1_000_000_000;
        }
        else if (ns < 0)
        {
            s--;
            ns += 1_000_000_000;
        }

        return new GoTime(s, (int)ns, _location);
    }

    public GoDuration Sub(GoTime u)
    {
        var ds = (Int128)(_seconds - u._seconds) * 1_000_000_000 + (_nanos - u._nanos);
        if (ds > long.MaxValue)
        {
            return new GoDuration(long.MaxValue);
        }

        return ds < long.MinValue ? new GoDuration(long.MinValue) : new GoDuration((long)ds);
    }

    public GoTime AddDate(long years, long months, long days)
    {
        var wall = Wall;
        var (offset, _) = Zone();
        var shifted = wall.AddYears((int)years).AddMonths((int)months).AddDays(days);
        return new GoTime(shifted.Ticks / TicksPerSecond - offset, _nanos, _location);
    }

    public bool Before(GoTime u) => _seconds < u._seconds || (_seconds == u._seconds && _nanos < u._nanos);

    public bool After(GoTime u) => _seconds > u._seconds || (_seconds == u._seconds && _nanos > u._nanos);

    public bool Equal(GoTime u) => _seconds == u._seconds && _nanos == u._nanos;

    public int Compare(GoTime u) => Before(u) ? -1 : After(u) ? 1 : 0;

    public long Unix() => _seconds - UnixEpochSeconds;

    public long UnixMilli() => (_seconds - UnixEpochSeconds) * 1000 + _nanos / 1_000_000;

    public long UnixMicro() => (_seconds - UnixEpochSeconds) * 1_000_000 + _nanos / 1000;

    public long UnixNano() => (_seconds - UnixEpochSeconds) * 1_000_000_000 + _nanos;

    public long Year() => Wall.Year;

    public GoMonth Month() => new(Wall.Month);

    public long Day() => Wall.Day;

    public long Hour() => Wall.Hour;

    public long Minute() => Wall.Minute;

    public long Second() => Wall.Second;

    public long Nanosecond() => _nanos;

    public long YearDay() => Wall.DayOfYear;

    public GoWeekday Weekday() => new((long)Wall.DayOfWeek);

    public GoTime Truncate(GoDuration d)
    {
        if (d.Nanoseconds <= 0)
        {
            return this;
        }

        var r = Remainder(d);
        return Add(new GoDuration(-r));
    }

    public GoTime Round(GoDuration d)
    {
        if (d.Nanoseconds <= 0)
        {
            return this;
        }

        var r = Remainder(d);
        return r + r < d.Nanoseconds ? Add(new GoDuration(-r)) : Add(new GoDuration(d.Nanoseconds - r));
    }

    // Go rounds relative to the zero Time (absolute, not zone-local).
    private long Remainder(GoDuration d)
    {
        var total = (Int128)_seconds * 1_000_000_000 + _nanos;
        return (long)(total % d.Nanoseconds);
    }

    public string Format(string layout) => GoLayout.Format(this, layout);

    public string String() => GoLayout.Format(this, "2006-01-02 15:04:05.999999999 -0700 MST");

    public override string ToString() => String();

    public bool Equals(GoTime other) => _seconds == other._seconds && _nanos == other._nanos && Location() == other.Location();

    public override bool Equals(object? obj) => obj is GoTime t && Equals(t);

    public override int GetHashCode() => HashCode.Combine(_seconds, _nanos);

    public static bool operator ==(GoTime left, GoTime right) => left.Equals(right);

    public static bool operator !=(GoTime left, GoTime right) => !left.Equals(right);

    /// <summary>RFC 3339 with up to nine fraction digits, as Go's JSON decoding of time.Time accepts.</summary>
    public static bool TryParseRfc3339(string s, out GoTime time)
    {
        time = default;
        // 2006-01-02T15:04:05[.fffffffff](Z|±hh:mm)
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day) ||
            !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        var i = 19;
        long nanos = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (i - start < 9)
                {
                    nanos = nanos * 10 + (s[i] - '0');
                }

                i++;
            }

            if (i == start)
            {
                return false;
            }

            for (var k = Math.Min(i - start, 9); k < 9; k++)
            {
                nanos *= 10;
            }
        }

        if (i >= s.Length)
        {
            return false;
        }

        int offset;
        var utc = false;
        if (s[i] is 'Z' or 'z' && i + 1 == s.Length)
        {
            offset = 0;
            utc = true;
        }
        else if ((s[i] == '+' || s[i] == '-') && i + 6 == s.Length && s[i + 3] == ':' && Digits(s, i + 1, 2, out var oh) && Digits(s, i + 4, 2, out var om))
        {
            offset = (int)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth((int)year, (int)month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var wall = new DateTime((int)year, (int)month, (int)day, (int)hour, (int)minute, (int)second, DateTimeKind.Unspecified);
        var utcSeconds = wall.Ticks / TicksPerSecond - offset;
        time = new GoTime(utcSeconds, (int)nanos, utc ? null : LocationFor(utcSeconds, offset));
        return true;
    }

    private static bool Digits(string s, int at, int count, out long value)
    {
        value = 0;
        for (var k = 0; k < count; k++)
        {
            var c = s[at + k];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }

    internal static string Invariant(long v) => v.ToString(CultureInfo.InvariantCulture);
}
