using System.Xml.Linq;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus.Tests;

public class SvgChartWriterTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Draw(ChartModel model, ChartStyle? style = null) => XDocument.Parse(SvgChartWriter.Write(model, style ?? new ChartStyle()));

    private static List<XElement> ByClass(XDocument doc, string name, string cssClass) =>
        doc.Descendants(Svg + name).Where(e => (string?)e.Attribute("class") == cssClass).ToList();

    private static ChartModel One(params double[] values) => new()
    {
        Title = "T",
        From = ChartSamples.Now.AddSeconds(-15 * values.Length),
        To = ChartSamples.Now,
        Series = [new ChartSeries("s", values.Select((v, i) => new Sample(ChartSamples.Now.ToUnixTimeSeconds() - (15 * (values.Length - 1 - i)), v)).ToList())],
    };

    [Fact]
    public void Write_FiringChart_HasSeriesThresholdBreachMarkerAndLegend()
    {
        var doc = Draw(ChartSamples.Firing());
        Assert.Equal("800", doc.Root!.Attribute("width")!.Value);
        Assert.Equal("0 0 800 400", doc.Root.Attribute("viewBox")!.Value);
        Assert.Equal(3, ByClass(doc, "path", "series").Count);
        Assert.Single(ByClass(doc, "line", "threshold"));
        Assert.Single(ByClass(doc, "line", "marker-firing"));
        Assert.Empty(ByClass(doc, "line", "marker-resolved"));
        Assert.Equal(3, ByClass(doc, "text", "legend").Count);
        var breach = Assert.Single(ByClass(doc, "rect", "breach"));
        var threshold = ByClass(doc, "line", "threshold")[0];

        // Above: the shaded region ends at the threshold line.
        var top = double.Parse(breach.Attribute("y")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        var height = double.Parse(breach.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(double.Parse(threshold.Attribute("y1")!.Value, System.Globalization.CultureInfo.InvariantCulture), top + height, 0);
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "> 80%");
    }

    [Fact]
    public void Write_NaNInTheMiddle_BreaksTheLine()
    {
        var doc = Draw(One(1, 2, 3, double.NaN, 2, 1, 2));
        var d = ByClass(doc, "path", "series").Single().Attribute("d")!.Value;
        Assert.Equal(2, d.Count(c => c == 'M'));
    }

    [Fact]
    public void Write_MissingSteps_BreakTheLine()
    {
        var now = ChartSamples.Now.ToUnixTimeSeconds();
        var model = One(1) with { Series = [new ChartSeries("s", [new(now - 300, 1), new(now - 285, 2), new(now - 60, 3), new(now - 45, 2)])] };
        Assert.Equal(2, ByClass(Draw(model), "path", "series").Single().Attribute("d")!.Value.Count(c => c == 'M'));
    }

    [Fact]
    public void Write_SinglePoint_IsDrawnAsDot()
    {
        var doc = Draw(One(5));
        Assert.Empty(ByClass(doc, "path", "series"));
        Assert.Single(doc.Descendants(Svg + "circle"));
    }

    [Theory]
    [InlineData(new[] { 3.0, 3, 3, 3 })]
    [InlineData(new[] { 1e300, 2e300, 1.5e300 })]
    [InlineData(new[] { 1e-300, 2e-300, 0 })]
    [InlineData(new[] { -5.0, -12, -7 })]
    [InlineData(new[] { -1e9, 1e9, 0 })]
    [InlineData(new[] { 0.0, 0, 0 })]
    [InlineData(new[] { double.PositiveInfinity, 1, 2 })]
    public void Write_ExtremeValues_ProducesFiniteCoordinatesAndDistinctTicks(double[] values)
    {
        var doc = Draw(One(values));
        var d = ByClass(doc, "path", "series").Single().Attribute("d")!.Value;
        Assert.DoesNotContain("NaN", d, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", d, StringComparison.Ordinal);
        var labels = doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("text-anchor") == "end" && t.Attribute("class") is null).Select(t => t.Value).ToList();
        Assert.True(labels.Count >= 3);
        Assert.Equal(labels.Count - 1, labels.Skip(1).Distinct().Count()); // the zone label plus distinct y ticks
    }

    [Fact]
    public void Write_NoSeries_DrawsNoDataPicture()
    {
        var doc = Draw(One() with { Series = [], Threshold = 1 });
        Assert.Single(ByClass(doc, "rect", "no-data"));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "No data");
        Assert.Empty(ByClass(doc, "line", "threshold"));
    }

    [Fact]
    public void Write_HiddenSeries_SaysHowManyMore()
    {
        var doc = Draw(ChartSamples.Firing(5) with { HiddenSeries = 4 });
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "+4 more");
    }

    [Fact]
    public void Write_LabelWithMarkupAndControlCharacters_IsEscaped()
    {
        var model = One(1, 2) with { Title = "a<b & \"c\"\u0001", Series = [new ChartSeries("{x=\"</text>\"}", One(1, 2).Series[0].Samples)] };
        var doc = Draw(model);
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "a<b & \"c\"");
    }

    [Fact]
    public void Write_VeryLongTitle_IsShortenedWithEllipsis()
    {
        var doc = Draw(One(1, 2) with { Title = new string('W', 300), Expression = string.Concat(Enumerable.Repeat("sum(rate(x[5m])) + ", 40)) });
        var texts = doc.Descendants(Svg + "text").Take(2).Select(t => t.Value).ToList();
        Assert.All(texts, t => Assert.EndsWith("…", t, StringComparison.Ordinal));
        Assert.True(TextMeasure.Width(texts[0], 15) < 800 - 28);
        Assert.True(texts[1].Length * 11.5 * 0.6 < 800 - 28); // the expression is set in a monospace face
    }

    [Fact]
    public void Write_TimeZone_LabelsTicksInLocalTime()
    {
        var model = One(1, 2, 3) with { From = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero) };
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var texts = Draw(model, new ChartStyle { TimeZone = shanghai }).Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("08:30", texts);
        Assert.DoesNotContain("00:30", texts);
    }

    [Fact]
    public void Rasterise_Scale2_DoublesPixelsAndKeepsThresholdColourOnTheLine()
    {
        var model = ChartSamples.Firing(1);
        var style = new ChartStyle { Scale = 2 };
        var doc = Draw(model, style);
        var png = DecodedPng.Decode(PngRasterizer.Rasterize(doc.ToString(), style));
        Assert.Equal((1600, 800), (png.Width, png.Height));
        var line = ByClass(doc, "line", "threshold")[0];
        var y = (int)Math.Round(double.Parse(line.Attribute("y1")!.Value, System.Globalization.CultureInfo.InvariantCulture) * 2);

        // The dashed threshold: on its row, many pixels have the threshold colour; a row far from it has none.
        var onLine = Enumerable.Range(200, 1000).Count(x => Near(png.At(x, y), Theme.Light.Threshold));
        Assert.True(onLine > 300, $"threshold pixels on its row: {onLine}");
        Assert.Equal(0, Enumerable.Range(200, 1000).Count(x => Near(png.At(x, png.Height - 60), Theme.Light.Threshold)));
    }

    [Fact]
    public async Task Rasterise_ManyThreadsAtOnce_GivesIdenticalImages()
    {
        var style = new ChartStyle();
        var svg = SvgChartWriter.Write(ChartSamples.Firing(), style);
        var reference = PngRasterizer.Rasterize(svg, style);
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => PngRasterizer.Rasterize(svg, style))));
        Assert.All(results, r => Assert.Equal(reference, r));
    }

    [Fact]
    public async Task Rasterise_CjkTitleOnFreshThreadsAtOnce_GivesIdenticalImagesWithTheTitleDrawn()
    {
        // The warm-up draws Latin text only, so each raster thread opens a CJK font on its first CJK chart: that
        // first use must not race, and the title must be drawn (not left blank).
        var style = new ChartStyle();
        var cjk = SvgChartWriter.Write(ChartSamples.Firing() with { Title = "磁盘使用率过高 节点 生产集群" }, style);
        var blank = DecodedPng.Decode(PngRasterizer.Rasterize(SvgChartWriter.Write(ChartSamples.Firing() with { Title = " " }, style), style));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            var done = new TaskCompletionSource<byte[]>();
            new Thread(() => done.SetResult(PngRasterizer.Rasterize(cjk, style))).Start();
            return done.Task;
        }));

        Assert.All(results, r => Assert.Equal(results[0], r));
        var drawn = DecodedPng.Decode(results[0]);
        var titleRows = Enumerable.Range(0, 40);
        var changed = titleRows.Sum(y => Enumerable.Range(0, drawn.Width).Count(x => drawn.At(x, y) != blank.At(x, y)));
        Assert.True(changed > 200, $"pixels changed by the CJK title: {changed}");
    }

    private static bool Near((byte R, byte G, byte B, byte A) p, string hex) =>
        Math.Abs(p.R - Convert.ToInt32(hex[1..3], 16)) + Math.Abs(p.G - Convert.ToInt32(hex[3..5], 16)) + Math.Abs(p.B - Convert.ToInt32(hex[5..7], 16)) < 40;
}
