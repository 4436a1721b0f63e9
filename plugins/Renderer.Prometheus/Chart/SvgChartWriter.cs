using System.Globalization;
using System.Text;
using Promoter.Renderer.Prometheus.Inference;

namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>
/// Draws a <see cref="ChartModel"/> as a self-contained SVG (no scripts, no external references), laid out in
/// logical units of <see cref="ChartStyle.Width"/>×<see cref="ChartStyle.Height"/>; the scale factor only changes
/// the declared pixel size, so HiDPI output is the same picture at a higher resolution.
/// </summary>
internal static class SvgChartWriter
{
    private const double Pad = 14;
    private const double TitleSize = 15;
    private const double ExprSize = 11.5;
    private const double LabelSize = 11;
    private const double LegendSize = 11.5;
    private const double LegendRow = 18;

    public static string Write(ChartModel model, ChartStyle style)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(style);
        var t = style.Theme;
        var w = (double)style.Width;
        var h = (double)style.Height;
        // Below the large object heap's 85,000 bytes: a 64 K-char first chunk (128 KiB) went to the LOH on every chart,
        // and LOH allocations are paid for in gen2 collections, so a burst of charts ran one full GC after another and
        // doubled the managed heap's footprint. StringBuilder grows by chunks of at most 8,000 chars beyond this.
        var sb = new StringBuilder(16 * 1024);
        sb.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{style.PixelWidth}\" height=\"{style.PixelHeight}\" viewBox=\"0 0 {style.Width} {style.Height}\" font-family=\"{Escape(style.FontFamily)}\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{style.Width}\" height=\"{style.Height}\" fill=\"{t.Background}\"/>\n");

        // Header: alert name, then the expression in a monospace face.
        var title = TextMeasure.Fit(model.Title, TitleSize, w - (2 * Pad));
        Text(sb, Pad, Pad + TitleSize - 2, title, TitleSize, t.Text, weight: "bold");
        var headerBottom = Pad + TitleSize + 4;
        if (model.Expression.Length > 0)
        {
            // Monospace glyphs are 0.6 em; keep room for the time zone on the right.
            var zoneText = ZoneLabel(style.TimeZone, model.To);
            var zoneWidth = TextMeasure.Width(zoneText, LabelSize) + 12;
            var expr = FitMono(model.Expression, ExprSize, w - (2 * Pad) - zoneWidth);
            Text(sb, Pad, headerBottom + ExprSize, expr, ExprSize, t.SecondaryText, family: "DejaVu Sans Mono, Noto Sans Mono CJK SC, monospace");
            Text(sb, w - Pad, headerBottom + ExprSize, zoneText, LabelSize, t.SecondaryText, anchor: "end");
            headerBottom += ExprSize + 6;
        }

        var drawable = model.Series.Where(s => s.Samples.Any(p => double.IsFinite(p.Value))).ToList();
        var dataSeries = drawable.Where(s => !s.IsThreshold).ToList();
        var legendEntries = drawable.Count + (model.HiddenSeries > 0 ? 1 : 0);
        var columns = legendEntries > 3 ? 2 : 1;
        var legendRows = (int)Math.Ceiling(legendEntries / (double)columns);
        var legendHeight = legendRows * LegendRow;

        var plotTop = headerBottom + 12;
        var plotBottom = h - Pad - legendHeight - 22;
        if (dataSeries.Count == 0)
        {
            NoData(sb, model, style, plotTop, h - Pad);
            sb.Append("</svg>\n");
            return sb.ToString();
        }

        // Y range: data (finite values only) and the threshold, so that the line is always on the chart.
        var lo = double.PositiveInfinity;
        var hi = double.NegativeInfinity;
        foreach (var s in drawable)
        {
            foreach (var p in s.Samples)
            {
                if (double.IsFinite(p.Value))
                {
                    lo = Math.Min(lo, p.Value);
                    hi = Math.Max(hi, p.Value);
                }
            }
        }

        if (model.Threshold is { } th && double.IsFinite(th))
        {
            lo = Math.Min(lo, th);
            hi = Math.Max(hi, th);
        }

        // Start positive data at zero unless that would squash it into a thin band at the top.
        if (lo > 0 && lo < (hi - lo) * 1.5)
        {
            lo = 0;
        }

        // A fixed min/max (a Grafana panel's) wins over the data range, unless the two would leave no range at all.
        var fixedLo = model.Min is { } mn && double.IsFinite(mn) ? mn : lo;
        var fixedHi = model.Max is { } mx && double.IsFinite(mx) ? mx : hi;
        if (fixedHi > fixedLo)
        {
            (lo, hi) = (fixedLo, fixedHi);
        }

        var maxAbs = Math.Max(Math.Abs(lo), Math.Abs(hi));
        var unitScale = UnitFormatter.ChooseScale(model.Unit, maxAbs);
        var plotHeight = plotBottom - plotTop;
        var (ylo, yhi, ystep, decimals) = ScaledTicks(lo, hi, unitScale, (int)Math.Max(2, plotHeight / 45));
        var yLabels = NiceTicks.Enumerate(ylo, yhi, ystep).Select(v => (v, UnitFormatter.FormatTick(v, unitScale, decimals))).ToList();
        var labelWidth = yLabels.Max(l => TextMeasure.Width(l.Item2, LabelSize));

        var plotLeft = Pad + labelWidth + 8;
        var plotRight = w - Pad - 2;
        var plotWidth = plotRight - plotLeft;
        var x0 = model.From.ToUnixTimeMilliseconds() / 1000.0;
        var x1 = model.To.ToUnixTimeMilliseconds() / 1000.0;
        double X(double time) => plotLeft + ((time - x0) / Math.Max(x1 - x0, 1) * plotWidth);
        double Y(double v) => plotBottom - ((v - ylo) / (yhi - ylo) * plotHeight);

        sb.Append(CultureInfo.InvariantCulture,
            $"<defs><clipPath id=\"plot\"><rect x=\"{F(plotLeft)}\" y=\"{F(plotTop - 1)}\" width=\"{F(plotWidth)}\" height=\"{F(plotHeight + 2)}\"/></clipPath></defs>\n");

        // Grid and axis labels.
        sb.Append(CultureInfo.InvariantCulture, $"<g stroke=\"{t.Grid}\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n");
        foreach (var (v, _) in yLabels)
        {
            var y = Crisp(Y(v));
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(plotLeft)}\" y1=\"{F(y)}\" x2=\"{F(plotRight)}\" y2=\"{F(y)}\"/>\n");
        }

        var (timeTicks, timeFormat) = TimeTicks.For(model.From, model.To, style.TimeZone, (int)Math.Max(2, plotWidth / 105));
        foreach (var tick in timeTicks)
        {
            var x = Crisp(X(tick.ToUnixTimeSeconds()));
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(plotTop)}\" x2=\"{F(x)}\" y2=\"{F(plotBottom)}\"/>\n");
        }

        sb.Append("</g>\n");
        sb.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{F(plotLeft)}\" y1=\"{F(Crisp(plotBottom))}\" x2=\"{F(plotRight)}\" y2=\"{F(Crisp(plotBottom))}\" stroke=\"{t.Axis}\" stroke-width=\"1\" shape-rendering=\"crispEdges\"/>\n");
        foreach (var (v, label) in yLabels)
        {
            Text(sb, plotLeft - 8, Y(v) + 4, label, LabelSize, t.SecondaryText, anchor: "end");
        }

        foreach (var tick in timeTicks)
        {
            var x = X(tick.ToUnixTimeSeconds());
            var label = TimeZoneInfo.ConvertTime(tick, style.TimeZone).ToString(timeFormat, CultureInfo.InvariantCulture);
            var half = TextMeasure.Width(label, LabelSize) / 2;
            if (x - half < plotLeft - 20 || x + half > w - 2)
            {
                continue;
            }

            Text(sb, x, plotBottom + 16, label, LabelSize, t.SecondaryText, anchor: "middle");
        }

        // Breach region and threshold line; the threshold's tag goes on top of the series (overlay).
        var overlay = new StringBuilder();
        if (model.Threshold is { } threshold && double.IsFinite(threshold))
        {
            var ty = Y(threshold);
            var (rectTop, rectBottom) = model.Direction switch
            {
                BreachDirection.Above or BreachDirection.AboveOrEqual => (plotTop, ty),
                BreachDirection.Below or BreachDirection.BelowOrEqual => (ty, plotBottom),
                _ => (0.0, 0.0),
            };
            if (rectBottom > rectTop)
            {
                sb.Append(CultureInfo.InvariantCulture,
                    $"<rect class=\"breach\" x=\"{F(plotLeft)}\" y=\"{F(rectTop)}\" width=\"{F(plotWidth)}\" height=\"{F(rectBottom - rectTop)}\" fill=\"{t.BreachFill}\" fill-opacity=\"{F2(t.BreachOpacity)}\"/>\n");
            }

            sb.Append(CultureInfo.InvariantCulture,
                $"<line class=\"threshold\" x1=\"{F(plotLeft)}\" y1=\"{F(ty)}\" x2=\"{F(plotRight)}\" y2=\"{F(ty)}\" stroke=\"{t.Threshold}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
            var thresholdLabel = $"{DirectionSymbol(model.Direction)}{UnitFormatter.FormatValue(threshold, model.Unit)}";
            // A filled tag at the right end keeps the label readable over series lines.
            var tagWidth = TextMeasure.Width(thresholdLabel, LabelSize) + 10;
            var tagY = Math.Clamp(ty - 9, plotTop, plotBottom - 18);
            overlay.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"threshold-tag\" x=\"{F(plotRight - tagWidth)}\" y=\"{F(tagY)}\" width=\"{F(tagWidth)}\" height=\"18\" rx=\"3\" fill=\"{t.Threshold}\"/>\n");
            Text(overlay, plotRight - (tagWidth / 2), tagY + 13, thresholdLabel, LabelSize, t.Background, anchor: "middle", weight: "bold");
        }

        // Series.
        sb.Append("<g clip-path=\"url(#plot)\" fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n");
        var maxGap = model.Step.TotalSeconds * 1.5;
        var colorIndex = 0;
        var colors = new List<string>();
        foreach (var s in drawable)
        {
            var color = s.IsThreshold ? t.Threshold : t.Palette[colorIndex++ % t.Palette.Count];
            colors.Add(color);
            if (dataSeries.Count == 1 && !s.IsThreshold)
            {
                // A single series gets a light fill down to the axis, as Grafana's default panel does.
                AppendPath(sb, s, X, Y, maxGap, plotBottom, fill: true, $"fill=\"{color}\" fill-opacity=\"0.12\" stroke=\"none\"");
            }

            var dash = s.IsThreshold ? " stroke-dasharray=\"6 4\"" : "";
            AppendPath(sb, s, X, Y, maxGap, plotBottom, fill: false, $"class=\"series\" stroke=\"{color}\"{dash}");
        }

        sb.Append("</g>\n");
        sb.Append(overlay);

        // Firing and resolved markers.
        Marker(sb, model.FiringAt, "firing", t.FiringMarker, model, style, X, plotTop, plotBottom);
        Marker(sb, model.ResolvedAt, "resolved", t.ResolvedMarker, model, style, X, plotTop, plotBottom);

        // Legend with the last value of each series.
        var legendTop = plotBottom + 26;
        var columnWidth = (w - (2 * Pad)) / columns;
        for (var i = 0; i < legendEntries; i++)
        {
            var col = i / legendRows;
            var row = i % legendRows;
            var lx = Pad + (col * columnWidth);
            var ly = legendTop + (row * LegendRow) + 12;
            if (i >= drawable.Count)
            {
                Text(sb, lx + 22, ly, $"+{model.HiddenSeries} more", LegendSize, t.SecondaryText);
                continue;
            }

            var s = drawable[i];
            var dash = s.IsThreshold ? " stroke-dasharray=\"4 3\"" : "";
            sb.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{F(lx)}\" y1=\"{F(ly - 4)}\" x2=\"{F(lx + 16)}\" y2=\"{F(ly - 4)}\" stroke=\"{colors[i]}\" stroke-width=\"3\"{dash}/>\n");
            var value = UnitFormatter.FormatValue(s.LastValue, model.Unit);
            var valueWidth = TextMeasure.Width(value, LegendSize);
            var label = TextMeasure.Fit(s.Label, LegendSize, columnWidth - 22 - valueWidth - 24);
            Text(sb, lx + 22, ly, label, LegendSize, t.Text, cssClass: "legend");
            Text(sb, lx + columnWidth - 8, ly, value, LegendSize, t.Text, anchor: "end", weight: "bold", cssClass: "legend-value");
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static (double Lo, double Hi, double Step, int Decimals) ScaledTicks(double lo, double hi, UnitScale scale, int target)
    {
        var (a, b, step, decimals) = NiceTicks.For(lo / scale.Divisor, hi / scale.Divisor, target);
        return (a * scale.Divisor, b * scale.Divisor, step * scale.Divisor, decimals);
    }

    private static void AppendPath(StringBuilder sb, ChartSeries s, Func<double, double> x, Func<double, double> y, double maxGap, double baseline, bool fill, string attributes)
    {
        // NaN, infinities and missing steps break the line; a point alone between gaps is drawn as a dot.
        var segments = new List<List<(double X, double Y)>>();
        List<(double X, double Y)>? current = null;
        var lastTime = double.NaN;
        foreach (var p in s.Samples)
        {
            if (!double.IsFinite(p.Value))
            {
                current = null;
                continue;
            }

            if (current is null || p.Time - lastTime > maxGap)
            {
                current = [];
                segments.Add(current);
            }

            current.Add((x(p.Time), y(p.Value)));
            lastTime = p.Time;
        }

        var path = new StringBuilder();
        foreach (var seg in segments)
        {
            if (seg.Count == 1)
            {
                if (!fill)
                {
                    var (px, py) = seg[0];
                    sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"2.2\" {attributes.Replace("class=\"series\" ", "", StringComparison.Ordinal)} fill=\"{ColorOf(attributes)}\"/>\n");
                }

                continue;
            }

            path.Append(CultureInfo.InvariantCulture, $"M{F(seg[0].X)} {F(fill ? baseline : seg[0].Y)}");
            if (fill)
            {
                path.Append(CultureInfo.InvariantCulture, $"L{F(seg[0].X)} {F(seg[0].Y)}");
            }

            for (var i = 1; i < seg.Count; i++)
            {
                path.Append(CultureInfo.InvariantCulture, $"L{F(seg[i].X)} {F(seg[i].Y)}");
            }

            if (fill)
            {
                path.Append(CultureInfo.InvariantCulture, $"L{F(seg[^1].X)} {F(baseline)}Z");
            }
        }

        if (path.Length > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<path {attributes} d=\"{path}\"/>\n");
        }
    }

    private static string ColorOf(string attributes)
    {
        const string key = "stroke=\"";
        var i = attributes.IndexOf(key, StringComparison.Ordinal);
        return i < 0 ? "none" : attributes.Substring(i + key.Length, 7);
    }

    private static void Marker(StringBuilder sb, DateTimeOffset? at, string label, string color, ChartModel model, ChartStyle style,
        Func<double, double> x, double top, double bottom)
    {
        if (at is not { } when || when < model.From || when > model.To)
        {
            return;
        }

        var px = x(when.ToUnixTimeMilliseconds() / 1000.0);
        sb.Append(CultureInfo.InvariantCulture,
            $"<line class=\"marker-{label}\" x1=\"{F(px)}\" y1=\"{F(top)}\" x2=\"{F(px)}\" y2=\"{F(bottom)}\" stroke=\"{color}\" stroke-width=\"1.2\" stroke-dasharray=\"3 3\"/>\n");
        var text = $"{label} {TimeZoneInfo.ConvertTime(when, style.TimeZone).ToString("HH:mm", CultureInfo.InvariantCulture)}";
        var width = TextMeasure.Width(text, LabelSize);

        // Put the label on the side of the line that has room.
        var right = px + 4 + width < style.Width - Pad;
        Text(sb, right ? px + 4 : px - 4, top + 11, text, LabelSize, color, anchor: right ? "start" : "end", weight: "bold", halo: style.Theme.Background);
    }

    private static void NoData(StringBuilder sb, ChartModel model, ChartStyle style, double top, double bottom)
    {
        var t = style.Theme;
        var w = (double)style.Width;
        sb.Append(CultureInfo.InvariantCulture,
            $"<rect class=\"no-data\" x=\"{F(Pad)}\" y=\"{F(top)}\" width=\"{F(w - (2 * Pad))}\" height=\"{F(bottom - top)}\" rx=\"6\" fill=\"none\" stroke=\"{t.Grid}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
        var mid = (top + bottom) / 2;
        Text(sb, w / 2, mid - 4, "No data", 22, t.SecondaryText, anchor: "middle", weight: "bold");
        var from = TimeZoneInfo.ConvertTime(model.From, style.TimeZone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var to = TimeZoneInfo.ConvertTime(model.To, style.TimeZone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        Text(sb, w / 2, mid + 20, $"the query returned no samples from {from} to {to} ({ZoneLabel(style.TimeZone, model.To)})", 12, t.SecondaryText, anchor: "middle");
    }

    private static string ZoneLabel(TimeZoneInfo zone, DateTimeOffset at)
    {
        if (zone == TimeZoneInfo.Utc)
        {
            return "UTC";
        }

        var offset = zone.GetUtcOffset(at);
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return $"{zone.Id} (UTC{sign}{offset.Duration():hh\\:mm})";
    }

    private static string DirectionSymbol(BreachDirection d) => d switch
    {
        BreachDirection.Above => "> ",
        BreachDirection.AboveOrEqual => "≥ ",
        BreachDirection.Below => "< ",
        BreachDirection.BelowOrEqual => "≤ ",
        BreachDirection.Equal => "= ",
        BreachDirection.NotEqual => "≠ ",
        _ => "",
    };

    private static string FitMono(string text, double fontSize, double maxWidth)
    {
        var collapsed = TextMeasure.Fit(text, 1, double.MaxValue);
        var maxChars = (int)(maxWidth / (fontSize * 0.6));
        var runes = collapsed.EnumerateRunes().ToList();
        var width = runes.Sum(r => r.Value >= 0x1100 ? 2 : 1);
        if (width <= maxChars)
        {
            return collapsed;
        }

        var sb = new StringBuilder();
        var used = 0;
        foreach (var r in runes)
        {
            var cw = r.Value >= 0x1100 ? 2 : 1;
            if (used + cw > maxChars - 1)
            {
                break;
            }

            used += cw;
            sb.Append(r.ToString());
        }

        return sb.ToString().TrimEnd() + "…";
    }

    private static void Text(StringBuilder sb, double x, double y, string text, double size, string color,
        string anchor = "start", string? weight = null, string? family = null, string? halo = null, string? cssClass = null)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" font-size=\"{F(size)}\" fill=\"{color}\"");
        if (cssClass is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $" class=\"{cssClass}\"");
        }

        if (anchor != "start")
        {
            sb.Append(CultureInfo.InvariantCulture, $" text-anchor=\"{anchor}\"");
        }

        if (weight is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $" font-weight=\"{weight}\"");
        }

        if (family is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $" font-family=\"{Escape(family)}\"");
        }

        if (halo is not null)
        {
            // A halo in the background colour keeps labels readable over grid lines and series.
            sb.Append(CultureInfo.InvariantCulture, $" stroke=\"{halo}\" stroke-width=\"3\" paint-order=\"stroke\" stroke-linejoin=\"round\"");
        }

        sb.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    /// <summary>XML-escapes text and drops characters XML 1.0 forbids (control characters from label values).</summary>
    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case < ' ' when c is not ('\t' or '\n' or '\r'): break;
                case '\uFFFE' or '\uFFFF': break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }

    private static double Crisp(double v) => Math.Floor(v) + 0.5;

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string F2(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
