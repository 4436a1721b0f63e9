using System.Globalization;
using System.Text;

namespace Promoter.Templating.Time;

/// <summary>
/// Go's reference-time layouts ("Mon Jan 2 15:04:05 MST 2006"): the tokens are recognised exactly where Go's
/// <c>nextStdChunk</c> recognises them, so "2006-01-02 15:04:05" and friends format as in Go.
/// </summary>
internal static class GoLayout
{
    private enum Std
    {
        None, LongMonth, Month, NumMonth, ZeroMonth, LongWeekDay, WeekDay, Day, UnderDay, ZeroDay,
        UnderYearDay, ZeroYearDay, Hour, Hour12, ZeroHour12, Minute, ZeroMinute, Second, ZeroSecond,
        LongYear, Year, PM, pm, TZ, ISO8601TZ, ISO8601SecondsTZ, ISO8601ShortTZ, ISO8601ColonTZ,
        ISO8601ColonSecondsTZ, NumTZ, NumSecondsTz, NumShortTZ, NumColonTZ, NumColonSecondsTZ,
        FracSecond0, FracSecond9,
    }

    // The separator ('.' or ',') of the last fraction token NextChunk returned (it strips it from the prefix).
    [ThreadStatic]
    private static char lastSeparator;

    private static readonly string[] LongDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] LongMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    // Finds the first layout token at or after the start; returns the literal prefix, the token and its
    // fraction width (for .000/.999), and the rest.
    private static (string Prefix, Std Token, int Width, string Suffix) NextChunk(string layout)
    {
        for (var i = 0; i < layout.Length; i++)
        {
            var c = layout[i];
            switch (c)
            {
                case 'J':
                    if (At(layout, i, "Jan"))
                    {
                        return At(layout, i, "January") ? (layout[..i], Std.LongMonth, 0, layout[(i + 7)..]) : (layout[..i], Std.Month, 0, layout[(i + 3)..]);
                    }

                    break;
                case 'M':
                    if (At(layout, i, "Mon"))
                    {
                        if (At(layout, i, "Monday"))
                        {
                            return (layout[..i], Std.LongWeekDay, 0, layout[(i + 6)..]);
                        }

                        if (!StartsWithLower(layout, i + 3))
                        {
                            return (layout[..i], Std.WeekDay, 0, layout[(i + 3)..]);
                        }
                    }

                    if (At(layout, i, "MST"))
                    {
                        return (layout[..i], Std.TZ, 0, layout[(i + 3)..]);
                    }

                    break;
                case '0':
                    if (i + 1 < layout.Length && layout[i + 1] >= '1' && layout[i + 1] <= '6')
                    {
                        var t = layout[i + 1] switch
                        {
                            '1' => Std.ZeroMonth, '2' => Std.ZeroDay, '3' => Std.ZeroHour12, '4' => Std.ZeroMinute, '5' => Std.ZeroSecond, _ => Std.Year,
                        };
                        return (layout[..i], t, 0, layout[(i + 2)..]);
                    }

                    if (At(layout, i, "002"))
                    {
                        return (layout[..i], Std.ZeroYearDay, 0, layout[(i + 3)..]);
                    }

                    break;
                case '1':
                    if (At(layout, i, "15"))
                    {
                        return (layout[..i], Std.Hour, 0, layout[(i + 2)..]);
                    }

                    return (layout[..i], Std.NumMonth, 0, layout[(i + 1)..]);
                case '2':
                    if (At(layout, i, "2006"))
                    {
                        return (layout[..i], Std.LongYear, 0, layout[(i + 4)..]);
                    }

                    return (layout[..i], Std.Day, 0, layout[(i + 1)..]);
                case '_':
                    if (i + 1 < layout.Length && layout[i + 1] == '2')
                    {
                        // "_2006" is a literal underscore followed by the year.
                        if (At(layout, i + 1, "2006"))
                        {
                            return (layout[..(i + 1)], Std.LongYear, 0, layout[(i + 5)..]);
                        }

                        return (layout[..i], Std.UnderDay, 0, layout[(i + 2)..]);
                    }

                    if (At(layout, i, "__2"))
                    {
                        return (layout[..i], Std.UnderYearDay, 0, layout[(i + 3)..]);
                    }

                    break;
                case '3':
                    return (layout[..i], Std.Hour12, 0, layout[(i + 1)..]);
                case '4':
                    return (layout[..i], Std.Minute, 0, layout[(i + 1)..]);
                case '5':
                    return (layout[..i], Std.Second, 0, layout[(i + 1)..]);
                case 'P':
                    if (At(layout, i, "PM"))
                    {
                        return (layout[..i], Std.PM, 0, layout[(i + 2)..]);
                    }

                    break;
                case 'p':
                    if (At(layout, i, "pm"))
                    {
                        return (layout[..i], Std.pm, 0, layout[(i + 2)..]);
                    }

                    break;
                case '-':
                    if (At(layout, i, "-070000")) { return (layout[..i], Std.NumSecondsTz, 0, layout[(i + 7)..]); }
                    if (At(layout, i, "-07:00:00")) { return (layout[..i], Std.NumColonSecondsTZ, 0, layout[(i + 9)..]); }
                    if (At(layout, i, "-0700")) { return (layout[..i], Std.NumTZ, 0, layout[(i + 5)..]); }
                    if (At(layout, i, "-07:00")) { return (layout[..i], Std.NumColonTZ, 0, layout[(i + 6)..]); }
                    if (At(layout, i, "-07")) { return (layout[..i], Std.NumShortTZ, 0, layout[(i + 3)..]); }
                    break;
                case 'Z':
                    if (At(layout, i, "Z070000")) { return (layout[..i], Std.ISO8601SecondsTZ, 0, layout[(i + 7)..]); }
                    if (At(layout, i, "Z07:00:00")) { return (layout[..i], Std.ISO8601ColonSecondsTZ, 0, layout[(i + 9)..]); }
                    if (At(layout, i, "Z0700")) { return (layout[..i], Std.ISO8601TZ, 0, layout[(i + 5)..]); }
                    if (At(layout, i, "Z07:00")) { return (layout[..i], Std.ISO8601ColonTZ, 0, layout[(i + 6)..]); }
                    if (At(layout, i, "Z07")) { return (layout[..i], Std.ISO8601ShortTZ, 0, layout[(i + 3)..]); }
                    break;
                case '.':
                case ',':
                    if (i + 1 < layout.Length && (layout[i + 1] == '0' || layout[i + 1] == '9'))
                    {
                        var ch = layout[i + 1];
                        var j = i + 1;
                        while (j < layout.Length && layout[j] == ch)
                        {
                            j++;
                        }

                        // Only a fraction when the run of digits ends the number.
                        if (!(j < layout.Length && char.IsAsciiDigit(layout[j])))
                        {
                            lastSeparator = c;
                            return (layout[..i], ch == '0' ? Std.FracSecond0 : Std.FracSecond9, j - (i + 1), layout[j..]);
                        }
                    }

                    break;
            }
        }

        return (layout, Std.None, 0, "");
    }

    private static bool At(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0 && i + token.Length <= s.Length;

    private static bool StartsWithLower(string s, int i) => i < s.Length && s[i] >= 'a' && s[i] <= 'z';

    public static string Format(GoTime t, string layout)
    {
        var (offset, abbreviation) = t.Zone();
        var wall = t.Wall;
        var nanos = (int)t.Nanosecond();
        var b = new StringBuilder(layout.Length + 10);
        while (layout.Length > 0)
        {
            var (prefix, std, width, suffix) = NextChunk(layout);
            b.Append(prefix);
            if (std == Std.None)
            {
                break;
            }

            layout = suffix;
            switch (std)
            {
                case Std.Year: Pad(b, wall.Year % 100, 2); break;
                case Std.LongYear: Pad(b, wall.Year, 4); break;
                case Std.Month: b.Append(LongMonths[wall.Month - 1].AsSpan(0, 3)); break;
                case Std.LongMonth: b.Append(LongMonths[wall.Month - 1]); break;
                case Std.NumMonth: b.Append(wall.Month); break;
                case Std.ZeroMonth: Pad(b, wall.Month, 2); break;
                case Std.WeekDay: b.Append(LongDays[(int)wall.DayOfWeek].AsSpan(0, 3)); break;
                case Std.LongWeekDay: b.Append(LongDays[(int)wall.DayOfWeek]); break;
                case Std.Day: b.Append(wall.Day); break;
                case Std.UnderDay: if (wall.Day < 10) { b.Append(' '); } b.Append(wall.Day); break;
                case Std.ZeroDay: Pad(b, wall.Day, 2); break;
                case Std.UnderYearDay: b.Append(wall.DayOfYear.ToString(CultureInfo.InvariantCulture).PadLeft(3, ' ')); break;
                case Std.ZeroYearDay: Pad(b, wall.DayOfYear, 3); break;
                case Std.Hour: Pad(b, wall.Hour, 2); break;
                case Std.Hour12: b.Append(wall.Hour % 12 == 0 ? 12 : wall.Hour % 12); break;
                case Std.ZeroHour12: Pad(b, wall.Hour % 12 == 0 ? 12 : wall.Hour % 12, 2); break;
                case Std.Minute: b.Append(wall.Minute); break;
                case Std.ZeroMinute: Pad(b, wall.Minute, 2); break;
                case Std.Second: b.Append(wall.Second); break;
                case Std.ZeroSecond: Pad(b, wall.Second, 2); break;
                case Std.PM: b.Append(wall.Hour >= 12 ? "PM" : "AM"); break;
                case Std.pm: b.Append(wall.Hour >= 12 ? "pm" : "am"); break;
                case Std.ISO8601TZ or Std.ISO8601ColonTZ or Std.ISO8601SecondsTZ or Std.ISO8601ShortTZ or Std.ISO8601ColonSecondsTZ
                    or Std.NumTZ or Std.NumColonTZ or Std.NumSecondsTz or Std.NumShortTZ or Std.NumColonSecondsTZ:
                    AppendZone(b, std, offset);
                    break;
                case Std.TZ:
                    if (abbreviation.Length > 0)
                    {
                        b.Append(abbreviation);
                    }
                    else
                    {
                        // No name: Go prints the offset as -0700.
                        var zone = offset / 60;
                        b.Append(zone < 0 ? '-' : '+');
                        zone = Math.Abs(zone);
                        Pad(b, zone / 60, 2);
                        Pad(b, zone % 60, 2);
                    }

                    break;
                case Std.FracSecond0:
                    {
                        b.Append(lastSeparator == ',' ? ',' : '.');
                        var digits = nanos.ToString("D9", CultureInfo.InvariantCulture);
                        b.Append(digits.AsSpan(0, Math.Min(width, 9)));
                        break;
                    }

                case Std.FracSecond9:
                    {
                        var digits = nanos.ToString("D9", CultureInfo.InvariantCulture)[..Math.Min(width, 9)].TrimEnd('0');
                        if (digits.Length > 0)
                        {
                            b.Append(lastSeparator == ',' ? ',' : '.').Append(digits);
                        }

                        break;
                    }
            }
        }

        return b.ToString();
    }

    private static void AppendZone(StringBuilder b, Std std, int offset)
    {
        if (offset == 0 && std is Std.ISO8601TZ or Std.ISO8601ColonTZ or Std.ISO8601SecondsTZ or Std.ISO8601ShortTZ or Std.ISO8601ColonSecondsTZ)
        {
            b.Append('Z');
            return;
        }

        var zone = offset / 60;
        var absoff = Math.Abs(offset);
        b.Append(zone < 0 || offset < 0 ? '-' : '+');
        zone = Math.Abs(zone);
        Pad(b, zone / 60, 2);
        if (std is Std.ISO8601ColonTZ or Std.NumColonTZ or Std.ISO8601ColonSecondsTZ or Std.NumColonSecondsTZ)
        {
            b.Append(':');
        }

        if (std is not (Std.NumShortTZ or Std.ISO8601ShortTZ))
        {
            Pad(b, zone % 60, 2);
        }

        if (std is Std.ISO8601SecondsTZ or Std.NumSecondsTz or Std.NumColonSecondsTZ or Std.ISO8601ColonSecondsTZ)
        {
            if (std is Std.NumColonSecondsTZ or Std.ISO8601ColonSecondsTZ)
            {
                b.Append(':');
            }

            Pad(b, absoff % 60, 2);
        }
    }

    private static void Pad(StringBuilder b, int v, int width)
    {
        if (v < 0)
        {
            b.Append('-');
            v = -v;
        }

        var s = v.ToString(CultureInfo.InvariantCulture);
        for (var i = s.Length; i < width; i++)
        {
            b.Append('0');
        }

        b.Append(s);
    }

    /// <summary>
    /// Go's time.Parse for the common layouts: numeric fields, month and day names, AM/PM, zones, fractions.
    /// Without a zone in the value the result is in <paramref name="defaultLocation"/>.
    /// </summary>
    public static GoTime Parse(string layout, string value, GoLocation defaultLocation)
    {
        var original = value;
        int year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0;
        var pm = false;
        var pmSet = false;
        int? offset = null;
        string? zoneName = null;
        while (true)
        {
            var (prefix, std, width, suffix) = NextChunk(layout);
            if (!value.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw ParseError(original, layout, value);
            }

            value = value[prefix.Length..];
            if (std == Std.None)
            {
                if (value.Length != 0)
                {
                    throw new FormatException($"parsing time \"{original}\": extra text: \"{value}\"");
                }

                break;
            }

            layout = suffix;
            switch (std)
            {
                case Std.LongYear: year = Number(ref value, 4, 4, original); break;
                case Std.Year: year = Number(ref value, 2, 2, original); year += year >= 69 ? 1900 : 2000; break;
                case Std.LongMonth: month = Name(ref value, LongMonths, false, original) + 1; break;
                case Std.Month: month = Name(ref value, LongMonths, true, original) + 1; break;
                case Std.NumMonth: month = Number(ref value, 1, 2, original); break;
                case Std.ZeroMonth: month = Number(ref value, 2, 2, original); break;
                case Std.LongWeekDay: Name(ref value, LongDays, false, original); break;
                case Std.WeekDay: Name(ref value, LongDays, true, original); break;
                case Std.Day: day = Number(ref value, 1, 2, original); break;
                case Std.UnderDay: value = value.TrimStart(' '); day = Number(ref value, 1, 2, original); break;
                case Std.ZeroDay: day = Number(ref value, 2, 2, original); break;
                case Std.ZeroYearDay or Std.UnderYearDay: Number(ref value, 1, 3, original); break;
                case Std.Hour: hour = Number(ref value, 2, 2, original); break;
                case Std.Hour12: hour = Number(ref value, 1, 2, original); break;
                case Std.ZeroHour12: hour = Number(ref value, 2, 2, original); break;
                case Std.Minute: minute = Number(ref value, 1, 2, original); break;
                case Std.ZeroMinute: minute = Number(ref value, 2, 2, original); break;
                case Std.Second or Std.ZeroSecond:
                    second = Number(ref value, std == Std.Second ? 1 : 2, 2, original);
                    // Go accepts a fraction after seconds even when the layout has none.
                    if (value.Length > 1 && (value[0] == '.' || value[0] == ',') && char.IsAsciiDigit(value[1]) && !(layout.Length > 0 && (layout[0] == '.' || layout[0] == ',')))
                    {
                        var n = 1;
                        while (n < value.Length && char.IsAsciiDigit(value[n]))
                        {
                            n++;
                        }

                        nanos = Fraction(value[1..n]);
                        value = value[n..];
                    }

                    break;
                case Std.PM or Std.pm:
                    if (value.Length < 2)
                    {
                        throw ParseError(original, layout, value);
                    }

                    pmSet = true;
                    pm = value[..2].Equals("PM", StringComparison.OrdinalIgnoreCase);
                    if (!pm && !value[..2].Equals("AM", StringComparison.OrdinalIgnoreCase))
                    {
                        throw ParseError(original, layout, value);
                    }

                    value = value[2..];
                    break;
                case Std.TZ:
                    {
                        if (value.StartsWith("UTC", StringComparison.Ordinal))
                        {
                            zoneName = "UTC";
                            value = value[3..];
                            break;
                        }

                        var n = 0;
                        while (n < value.Length && char.IsAsciiLetterUpper(value[n]))
                        {
                            n++;
                        }

                        if (n < 3)
                        {
                            throw ParseError(original, layout, value);
                        }

                        zoneName = value[..n];
                        value = value[n..];
                        break;
                    }

                case Std.FracSecond0 or Std.FracSecond9:
                    {
                        if (value.Length == 0 || (value[0] != '.' && value[0] != ','))
                        {
                            if (std == Std.FracSecond9)
                            {
                                break;
                            }

                            throw ParseError(original, layout, value);
                        }

                        var n = 1;
                        while (n < value.Length && char.IsAsciiDigit(value[n]))
                        {
                            n++;
                        }

                        if (std == Std.FracSecond0 && n - 1 != width)
                        {
                            throw ParseError(original, layout, value);
                        }

                        nanos = Fraction(value[1..n]);
                        value = value[n..];
                        break;
                    }

                default:
                    {
                        // Numeric zones; ISO forms accept "Z".
                        if (std is Std.ISO8601TZ or Std.ISO8601ColonTZ or Std.ISO8601SecondsTZ or Std.ISO8601ShortTZ or Std.ISO8601ColonSecondsTZ && value.StartsWith('Z'))
                        {
                            value = value[1..];
                            offset = 0;
                            zoneName = "UTC";
                            break;
                        }

                        if (value.Length < 3 || (value[0] != '+' && value[0] != '-'))
                        {
                            throw ParseError(original, layout, value);
                        }

                        var sign = value[0] == '-' ? -1 : 1;
                        value = value[1..];
                        var hh = Number(ref value, 2, 2, original);
                        var mm = 0;
                        var ss = 0;
                        if (std is not (Std.NumShortTZ or Std.ISO8601ShortTZ))
                        {
                            if (std is Std.NumColonTZ or Std.ISO8601ColonTZ or Std.NumColonSecondsTZ or Std.ISO8601ColonSecondsTZ)
                            {
                                value = value.StartsWith(':') ? value[1..] : throw ParseError(original, layout, value);
                            }

                            mm = Number(ref value, 2, 2, original);
                            if (std is Std.NumSecondsTz or Std.ISO8601SecondsTZ or Std.NumColonSecondsTZ or Std.ISO8601ColonSecondsTZ)
                            {
                                if (std is Std.NumColonSecondsTZ or Std.ISO8601ColonSecondsTZ)
                                {
                                    value = value.StartsWith(':') ? value[1..] : throw ParseError(original, layout, value);
                                }

                                ss = Number(ref value, 2, 2, original);
                            }
                        }

                        offset = sign * (hh * 3600 + mm * 60 + ss);
                        break;
                    }
            }
        }

        if (pmSet)
        {
            if (hour > 12)
            {
                throw new FormatException($"parsing time \"{original}\": hour out of range");
            }

            if (pm && hour < 12)
            {
                hour += 12;
            }
            else if (!pm && hour == 12)
            {
                hour = 0;
            }
        }

        if (month is < 1 or > 12)
        {
            throw new FormatException($"parsing time \"{original}\": month out of range");
        }

        if (day < 1 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month) || hour > 23 || minute > 59 || second > 59)
        {
            throw new FormatException($"parsing time \"{original}\": day out of range");
        }

        var wallSeconds = new DateTime(Math.Clamp(year, 1, 9999), month, day, hour, minute, second).Ticks / TimeSpan.TicksPerSecond;
        if (offset is { } off)
        {
            var utc = wallSeconds - off;
            var loc = off == 0 && zoneName == "UTC" ? GoLocation.Utc : GoTime.LocationFor(utc, off);
            if (defaultLocation != GoLocation.Local && defaultLocation.Lookup(GoTime.ToDateTime(utc)).Offset == off)
            {
                loc = defaultLocation;
            }

            return GoTime.FromUtcParts(utc, nanos, loc);
        }

        if (zoneName == "UTC")
        {
            return GoTime.FromUtcParts(wallSeconds, nanos, GoLocation.Utc);
        }

        // The wall clock is in the default location; find the instant by trying the offset at that guess.
        var guess = wallSeconds - defaultLocation.Lookup(GoTime.ToDateTime(wallSeconds)).Offset;
        var corrected = wallSeconds - defaultLocation.Lookup(GoTime.ToDateTime(guess)).Offset;
        if (zoneName is not null && defaultLocation.Lookup(GoTime.ToDateTime(corrected)).Abbreviation != zoneName)
        {
            // An unknown abbreviation: Go fabricates a zone with that name and offset zero.
            return GoTime.FromUtcParts(wallSeconds, nanos, GoLocation.Fixed(zoneName, 0));
        }

        return GoTime.FromUtcParts(corrected, nanos, defaultLocation);
    }

    private static int Fraction(string digits)
    {
        var n = 0;
        for (var i = 0; i < 9; i++)
        {
            n = n * 10 + (i < digits.Length ? digits[i] - '0' : 0);
        }

        return n;
    }

    private static int Number(ref string value, int min, int max, string original)
    {
        var n = 0;
        var i = 0;
        while (i < value.Length && i < max && char.IsAsciiDigit(value[i]))
        {
            n = n * 10 + (value[i] - '0');
            i++;
        }

        if (i < min)
        {
            throw new FormatException($"parsing time \"{original}\": cannot parse \"{value}\"");
        }

        value = value[i..];
        return n;
    }

    private static int Name(ref string value, string[] names, bool abbreviated, string original)
    {
        for (var k = 0; k < names.Length; k++)
        {
            var n = abbreviated ? names[k][..3] : names[k];
            if (value.StartsWith(n, StringComparison.OrdinalIgnoreCase))
            {
                value = value[n.Length..];
                return k;
            }
        }

        throw new FormatException($"parsing time \"{original}\": cannot parse \"{value}\"");
    }

    private static FormatException ParseError(string original, string layout, string value) =>
        new($"parsing time \"{original}\" as \"{layout}\": cannot parse \"{value}\"");
}
