using System.Globalization;
using System.Text;

namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>
/// Approximate text widths (in em) for DejaVu Sans-like fonts, enough to lay out labels and shorten long titles
/// without a font engine: CJK and other full-width characters are one em, Latin letters about 0.6.
/// </summary>
internal static class TextMeasure
{
    public static double Width(string text, double fontSize)
    {
        double em = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            em += RuneWidth(rune);
        }

        return em * fontSize;
    }

    private static double RuneWidth(Rune r)
    {
        var v = r.Value;
        if (v >= 0x1100 && (v <= 0x115F || (v >= 0x2E80 && v <= 0xA4CF) || (v >= 0xAC00 && v <= 0xD7A3) ||
                            (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFE30 && v <= 0xFE4F) || (v >= 0xFF00 && v <= 0xFF60) ||
                            (v >= 0xFFE0 && v <= 0xFFE6) || v >= 0x1F300))
        {
            return 1.0;
        }

        var c = (char)v;
        return c switch
        {
            ' ' => 0.32,
            'i' or 'l' or 'j' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' => 0.3,
            'f' or 't' or 'r' or '(' or ')' or '[' or ']' or '{' or '}' or '"' => 0.4,
            'm' or 'w' or 'M' or 'W' => 0.88,
            _ when char.IsAsciiDigit(c) => 0.64,
            _ when char.IsAsciiLetterUpper(c) => 0.7,
            _ when char.IsAsciiLetterLower(c) => 0.6,
            _ => 0.65,
        };
    }

    /// <summary>Shortens text to fit <paramref name="maxWidth"/>, ending with an ellipsis; whitespace runs collapse.</summary>
    public static string Fit(string text, double fontSize, double maxWidth)
    {
        var collapsed = CollapseWhitespace(text);
        if (Width(collapsed, fontSize) <= maxWidth)
        {
            return collapsed;
        }

        var budget = maxWidth - Width("…", fontSize);
        var sb = new StringBuilder();
        double used = 0;
        foreach (var rune in collapsed.EnumerateRunes())
        {
            var w = RuneWidth(rune) * fontSize;
            if (used + w > budget)
            {
                break;
            }

            used += w;
            sb.Append(rune.ToString());
        }

        return sb.ToString().TrimEnd() + "…";
    }

    private static string CollapseWhitespace(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    public static string Number(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
