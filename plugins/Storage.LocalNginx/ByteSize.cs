using System.Globalization;
using Promoter.Abstractions.Configuration;

namespace Promoter.Storage.LocalNginx;

/// <summary>Sizes written as <c>10MiB</c>, <c>512KiB</c>, <c>2MB</c> or a plain number of bytes.</summary>
internal static class ByteSize
{
    public static long Read(PluginSettings settings, string key, long defaultValue)
    {
        var text = settings.GetString(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (!TryParse(text, out var value) || value <= 0)
        {
            settings.AddError(key, $"'{text}' is not a size", "write a size such as 10MiB, 512KiB or 2000000");
            return defaultValue;
        }

        return value;
    }

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.'))
        {
            i++;
        }

        if (i == 0 || !double.TryParse(t.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        double? unit = t[i..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "KIB" or "K" => 1024,
            "MIB" or "M" => 1024 * 1024,
            "GIB" or "G" => 1024 * 1024 * 1024,
            _ => null,
        };
        if (unit is null || number * unit.Value > long.MaxValue / 2)
        {
            return false;
        }

        bytes = (long)(number * unit.Value);
        return true;
    }
}
