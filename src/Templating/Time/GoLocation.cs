using System.Collections.Concurrent;

namespace Promoter.Templating.Time;

/// <summary>
/// Go's <c>*time.Location</c>: a name plus the rules giving an offset and a zone abbreviation ("CST") for an
/// instant. Fixed zones come from parsed offsets (Go names them "" so they print as "+0800"); named zones
/// come from the system time zone database.
/// </summary>
public sealed class GoLocation
{
    private static readonly ConcurrentDictionary<string, GoLocation?> Loaded = new(StringComparer.Ordinal);
    private static GoLocation? local;

    private readonly TimeZoneInfo? _zone;
    private readonly int _fixedOffset;
    private readonly string _fixedAbbreviation;
    private readonly TzAbbreviations? _abbreviations;

    private GoLocation(string name, int fixedOffsetSeconds, string abbreviation)
    {
        Name = name;
        _fixedOffset = fixedOffsetSeconds;
        _fixedAbbreviation = abbreviation;
    }

    private GoLocation(string name, TimeZoneInfo zone, TzAbbreviations? abbreviations)
    {
        Name = name;
        _zone = zone;
        _abbreviations = abbreviations;
        _fixedAbbreviation = "";
    }

    public static GoLocation Utc { get; } = new("UTC", 0, "UTC");

    /// <summary>The process's zone, as Go's time.Local (TZ variable, else /etc/localtime). Tests may replace it.</summary>
    public static GoLocation Local
    {
        get => local ??= LoadLocal();
        set => local = value;
    }

    public string Name { get; }

    public bool IsFixed => _zone is null;

    /// <summary>Go prints a location as its name ("" for a fixed zone from a parsed offset).</summary>
    public string String() => Name;

    public override string ToString() => Name;

    public static GoLocation Fixed(string name, int offsetSeconds) => new(name, offsetSeconds, name);

    /// <summary>Go's time.LoadLocation: "" and "UTC" are UTC, "Local" is Local, otherwise an IANA name.</summary>
    public static GoLocation? Load(string name)
    {
        if (name.Length == 0 || name == "UTC")
        {
            return Utc;
        }

        if (name == "Local")
        {
            return Local;
        }

        return Loaded.GetOrAdd(name, static n =>
        {
            if (n.Contains("..", StringComparison.Ordinal) || n.StartsWith('/') || n.Contains('\\', StringComparison.Ordinal))
            {
                return null;
            }

            try
            {
                var tz = TimeZoneInfo.FindSystemTimeZoneById(n);
                return new GoLocation(n, tz, TzAbbreviations.Load(n));
            }
            catch (TimeZoneNotFoundException)
            {
                return null;
            }
            catch (InvalidTimeZoneException)
            {
                return null;
            }
        });
    }

    private static GoLocation LoadLocal() => LocalFrom(TimeZoneInfo.Local);

    /// <summary>A "Local" location following <paramref name="tz"/> (tests pin it to UTC, as amtool runs with TZ=UTC).</summary>
    internal static GoLocation LocalFrom(TimeZoneInfo tz)
    {
        if (tz.BaseUtcOffset == TimeSpan.Zero && !tz.SupportsDaylightSavingTime)
        {
            return new GoLocation("Local", 0, "UTC");
        }

        return new GoLocation("Local", tz, TzAbbreviations.Load(tz.Id));
    }

    /// <summary>The offset east of UTC in seconds and the abbreviation in force at <paramref name="utc"/>.</summary>
    public (int Offset, string Abbreviation) Lookup(DateTime utc)
    {
        if (_zone is null)
        {
            return (_fixedOffset, _fixedAbbreviation);
        }

        var offset = (int)_zone.GetUtcOffset(utc).TotalSeconds;
        var dst = _zone.IsDaylightSavingTime(utc);
        var abbr = _abbreviations?.Find(utc, offset, dst);
        if (abbr is null)
        {
            // Go prints a numeric abbreviation when the database has none.
            var sign = offset < 0 ? '-' : '+';
            var a = Math.Abs(offset) / 60;
            abbr = a % 60 == 0 ? $"{sign}{a / 60:00}" : $"{sign}{a / 60:00}{a % 60:00}";
        }

        return (offset, abbr);
    }
}

/// <summary>Zone abbreviations read from the TZif file of a zone (the only source of "CST", "CEST"…).</summary>
internal sealed class TzAbbreviations
{
    private readonly List<(int Offset, bool Dst, string Abbreviation)> _types;
    private readonly long[] _transitions;
    private readonly byte[] _transitionTypes;

    private TzAbbreviations(List<(int, bool, string)> types, long[] transitions, byte[] transitionTypes)
    {
        _types = types;
        _transitions = transitions;
        _transitionTypes = transitionTypes;
    }

    /// <summary>
    /// The abbreviation in force at <paramref name="utc"/>: the latest transition at or before it whose type has
    /// this offset and DST flag (several types can share an offset, e.g. EDT and the historical EPT).
    /// </summary>
    public string? Find(DateTime utc, int offset, bool dst)
    {
        var unix = (long)(utc - DateTime.UnixEpoch).TotalSeconds;
        var at = Array.BinarySearch(_transitions, unix);
        at = at >= 0 ? at : ~at - 1;
        for (var k = Math.Min(at, _transitions.Length - 1); k >= 0; k--)
        {
            var t = _types[_transitionTypes[k]];
            if (t.Offset == offset && t.Dst == dst)
            {
                return t.Abbreviation;
            }
        }

        string? any = null;
        for (var i = _types.Count - 1; i >= 0; i--)
        {
            var t = _types[i];
            if (t.Offset == offset)
            {
                if (t.Dst == dst)
                {
                    return t.Abbreviation;
                }

                any ??= t.Abbreviation;
            }
        }

        return any;
    }

    public static TzAbbreviations? Load(string id)
    {
        foreach (var root in new[] { Environment.GetEnvironmentVariable("ZONEINFO"), "/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo" })
        {
            if (string.IsNullOrEmpty(root))
            {
                continue;
            }

            var path = Path.Combine(root, id);
            if (File.Exists(path))
            {
                try
                {
                    return Parse(File.ReadAllBytes(path));
                }
                catch (IOException)
                {
                    return null;
                }
                catch (FormatException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    // TZif (RFC 8536): header "TZif", counts, then transition times, type indices, ttinfo records
    // (int32 utoff, uint8 isdst, uint8 abbrind) and the abbreviation characters. The version-1 block suffices.
    private static TzAbbreviations Parse(byte[] data)
    {
        if (data.Length < 44 || data[0] != 'T' || data[1] != 'Z' || data[2] != 'i' || data[3] != 'f')
        {
            throw new FormatException("not a TZif file");
        }

        int ReadInt(int at) => (data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
        var isutcnt = ReadInt(20);
        var isstdcnt = ReadInt(24);
        var leapcnt = ReadInt(28);
        var timecnt = ReadInt(32);
        var typecnt = ReadInt(36);
        var charcnt = ReadInt(40);
        _ = isutcnt + isstdcnt + leapcnt;
        var p = 44 + timecnt * 5;
        var charsAt = p + typecnt * 6;
        if (charsAt + charcnt > data.Length)
        {
            throw new FormatException("truncated TZif file");
        }

        var transitions = new long[timecnt];
        var transitionTypes = new byte[timecnt];
        for (var i = 0; i < timecnt; i++)
        {
            transitions[i] = ReadInt(44 + i * 4);
            transitionTypes[i] = data[44 + timecnt * 4 + i];
            if (transitionTypes[i] >= typecnt)
            {
                throw new FormatException("bad TZif transition type");
            }
        }

        var types = new List<(int, bool, string)>();
        for (var i = 0; i < typecnt; i++)
        {
            var at = p + i * 6;
            var off = ReadInt(at);
            var dst = data[at + 4] != 0;
            var idx = data[at + 5];
            var end = idx;
            while (end < charcnt && data[charsAt + end] != 0)
            {
                end++;
            }

            types.Add((off, dst, System.Text.Encoding.ASCII.GetString(data, charsAt + idx, end - idx)));
        }

        return new TzAbbreviations(types, transitions, transitionTypes);
    }
}
