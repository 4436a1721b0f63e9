using System.Globalization;
using Promoter.Renderer.Prometheus.PromQL;

namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>A divisor and suffix that turn raw values into axis labels (1048576 → "1 MiB").</summary>
internal readonly record struct UnitScale(double Divisor, string Suffix, bool Exponent = false);

/// <summary>Unit-aware number formatting for axes and legends.</summary>
internal static class UnitFormatter
{
    private static readonly (double Divisor, string Suffix)[] SiLarge =
    [
        (1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"),
    ];

    private static readonly (double Divisor, string Suffix)[] BinaryLarge =
    [
        (1L << 60, "EiB"), (1L << 50, "PiB"), (1L << 40, "TiB"), (1L << 30, "GiB"), (1L << 20, "MiB"), (1L << 10, "KiB"),
    ];

    /// <summary>Parses an annotation's unit name (Grafana ids and plain words).</summary>
    public static Unit? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "bytes" or "byte" or "b" or "decbytes" => Unit.Bytes,
        "seconds" or "second" or "s" or "duration" => Unit.Seconds,
        "percent" or "%" => Unit.Percent,
        "percentunit" or "ratio" => Unit.PercentUnit,
        "short" or "none" or "" => Unit.Short,
        _ => null,
    };

    /// <summary>
    /// Infers the unit from Prometheus naming conventions (base units in the metric name suffix: _bytes,
    /// _seconds, _ratio, _percent). A quotient of two metrics is a ratio of its own, so it stays plain.
    /// </summary>
    public static Unit Infer(Expr? expr)
    {
        if (expr is null)
        {
            return Unit.Short;
        }

        var top = expr;
        while (true)
        {
            switch (top)
            {
                case Paren p: top = p.Inner; continue;
                case Aggregate a: top = a.Inner; continue;
                case Call c when c.Function is "histogram_quantile" && c.Args.Count == 2: top = c.Args[1]; continue;
                case Call c when c.Args.Count == 1 && c.Function is "abs" or "ceil" or "floor" or "round" or "clamp_min" or "clamp_max" or "avg_over_time" or "max_over_time" or "min_over_time" or "last_over_time" or "quantile_over_time" or "sum" or "sort" or "sort_desc":
                    top = c.Args[0];
                    continue;
                case Binary { Op: TokenKind.Divide } b when FirstMetric(b.Right) is not null && FirstMetric(b.Left) is not null:
                    return Unit.Short;
            }

            break;
        }

        var name = FirstMetric(top);
        if (name is null)
        {
            return Unit.Short;
        }

        var bare = name;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count", "_total" })
        {
            if (bare.EndsWith(suffix, StringComparison.Ordinal))
            {
                bare = bare[..^suffix.Length];
                break;
            }
        }

        // A rate of a seconds counter (CPU seconds per second) is a utilisation, not a duration.
        if (name.EndsWith("_seconds_total", StringComparison.Ordinal))
        {
            return Unit.Short;
        }

        if (name.EndsWith("_count", StringComparison.Ordinal))
        {
            return Unit.Short;
        }

        return bare switch
        {
            _ when bare.EndsWith("_bytes", StringComparison.Ordinal) => Unit.Bytes,
            _ when bare.EndsWith("_seconds", StringComparison.Ordinal) => Unit.Seconds,
            _ when bare.EndsWith("_ratio", StringComparison.Ordinal) => Unit.PercentUnit,
            _ when bare.EndsWith("_percent", StringComparison.Ordinal) => Unit.Percent,
            _ => Unit.Short,
        };
    }

    private static string? FirstMetric(Expr e) => e switch
    {
        VectorSelector v => v.MetricName ?? v.Matchers.FirstOrDefault(m => m.Name == "__name__" && m.Op == MatchOp.Equal)?.Value,
        MatrixSelector m => FirstMetric(m.Vector),
        Modified m => FirstMetric(m.Inner),
        Subquery s => FirstMetric(s.Inner),
        Paren p => FirstMetric(p.Inner),
        Unary u => FirstMetric(u.Operand),
        Aggregate a => FirstMetric(a.Inner),
        Call c => c.Args.Select(FirstMetric).FirstOrDefault(n => n is not null),
        Binary b => FirstMetric(b.Left) ?? FirstMetric(b.Right),
        _ => null,
    };

    /// <summary>The scale for an axis whose largest absolute value is <paramref name="maxAbs"/>.</summary>
    public static UnitScale ChooseScale(Unit unit, double maxAbs)
    {
        if (!double.IsFinite(maxAbs))
        {
            maxAbs = 0;
        }

        switch (unit)
        {
            case Unit.Percent:
                return new UnitScale(1, "%");
            case Unit.PercentUnit:
                return new UnitScale(0.01, "%");
            case Unit.Bytes:
                foreach (var (d, s) in BinaryLarge)
                {
                    if (maxAbs >= d)
                    {
                        return new UnitScale(d, " " + s);
                    }
                }

                return new UnitScale(1, " B");
            case Unit.Seconds:
                return maxAbs switch
                {
                    0 => new UnitScale(1, " s"),
                    < 1e-6 => new UnitScale(1e-9, " ns"),
                    < 1e-3 => new UnitScale(1e-6, " µs"),
                    < 1 => new UnitScale(1e-3, " ms"),
                    < 180 => new UnitScale(1, " s"),
                    < 3 * 3600 => new UnitScale(60, " min"),
                    < 3 * 86400 => new UnitScale(3600, " h"),
                    _ => new UnitScale(86400, " d"),
                };
            default:
                if (maxAbs >= 1e27 || (maxAbs > 0 && maxAbs < 1e-4))
                {
                    return new UnitScale(1, "", Exponent: true);
                }

                foreach (var (d, s) in SiLarge)
                {
                    if (maxAbs >= d)
                    {
                        return new UnitScale(d, s == "" ? "" : " " + s);
                    }
                }

                return new UnitScale(1, "");
        }
    }

    /// <summary>An axis tick label with <paramref name="decimals"/> digits after the point.</summary>
    public static string FormatTick(double value, UnitScale scale, int decimals)
    {
        if (scale.Exponent)
        {
            // Ticks differ by the step, so keep as many mantissa digits as the step needs.
            return value == 0 ? "0" : value.ToString("0." + new string('#', Math.Clamp(decimals + (int)Math.Floor(Math.Log10(Math.Abs(value))), 2, 12)) + "e+0", CultureInfo.InvariantCulture);
        }

        var v = value / scale.Divisor;
        if (Math.Abs(v) < Math.Pow(10, -decimals) / 2)
        {
            v = 0; // avoids "-0"
        }

        return v.ToString("F" + Math.Clamp(decimals, 0, 10).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + scale.Suffix;
    }

    /// <summary>A single value (legend, threshold) with three significant digits in its own best scale.</summary>
    public static string FormatValue(double value, Unit unit)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var scale = ChooseScale(unit, Math.Abs(value));
        if (scale.Exponent)
        {
            return value.ToString("0.##e+0", CultureInfo.InvariantCulture);
        }

        var v = value / scale.Divisor;
        var abs = Math.Abs(v);
        var decimals = abs == 0 ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.Min(6, 2 - (int)Math.Floor(Math.Log10(abs)));
        var text = v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }

        return text + scale.Suffix;
    }
}
