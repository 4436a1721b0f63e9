using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;
using Promoter.Renderer.Prometheus.Raster;
using Promoter.Testing.Infrastructure;

namespace Promoter.Renderer.Prometheus.Tests;

/// <summary>Regenerates the example images under docs/images/ and checks each one decodes to a real picture.</summary>
public class ExampleImagesTests
{
    public static TheoryData<string> Names() => ["chart-firing", "chart-resolved", "chart-cjk", "chart-dark", "chart-no-data"];

    /// <summary>
    /// docs/images/ when PROMOTER_UPDATE_DOCS_IMAGES=1 (to refresh the committed examples), else a temp folder,
    /// so that an ordinary test run leaves the tree unchanged.
    /// </summary>
    public static string OutputDirectory()
    {
        var dir = Environment.GetEnvironmentVariable("PROMOTER_UPDATE_DOCS_IMAGES") == "1"
            ? Path.Combine(TestPaths.RepositoryRoot, "docs", "images")
            : Path.Combine(Path.GetTempPath(), "promoter-renderer-images");
        Directory.CreateDirectory(dir);
        return dir;
    }

    internal static (ChartModel Model, ChartStyle Style) Example(string name)
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        return name switch
        {
            "chart-firing" => (ChartSamples.Firing(), new ChartStyle()),
            "chart-dark" => (ChartSamples.Firing(5) with { HiddenSeries = 7 }, new ChartStyle { Theme = Theme.Dark }),
            "chart-resolved" => (new ChartModel
            {
                Title = "DiskSpaceLow",
                Expression = "node_filesystem_avail_bytes{mountpoint=\"/\"} < 5 * 1024 * 1024 * 1024",
                From = ChartSamples.Now.AddMinutes(-50),
                To = ChartSamples.Now,
                Series = [new ChartSeries("{instance=\"db-1:9100\", mountpoint=\"/\"}",
                    ChartSamples.Wave(200, 5.6e9, 1.1e9, 0, 15).Select((s, i) => i is > 60 and < 66 ? s with { Value = double.NaN } : s).ToList())],
                Threshold = 5 * 1024.0 * 1024 * 1024,
                Direction = BreachDirection.Below,
                FiringAt = ChartSamples.Now.AddMinutes(-36),
                ResolvedAt = ChartSamples.Now.AddMinutes(-12),
                Unit = Unit.Bytes,
            }, new ChartStyle()),
            "chart-cjk" => (new ChartModel
            {
                Title = "磁盘使用率过高 — 生产环境数据库",
                Expression = "100 * (1 - node_filesystem_avail_bytes{job=\"节点\"} / node_filesystem_size_bytes) > 90",
                From = ChartSamples.Now.AddHours(-3),
                To = ChartSamples.Now,
                Step = TimeSpan.FromSeconds(60),
                Series =
                [
                    new ChartSeries("{instance=\"数据库-主\"}", ChartSamples.Wave(180, 86, 6, 0, 60)),
                    new ChartSeries("{instance=\"数据库-备\"}", ChartSamples.Wave(180, 70, 5, 2, 60)),
                ],
                Threshold = 90,
                Direction = BreachDirection.Above,
                FiringAt = ChartSamples.Now.AddMinutes(-40),
                Unit = Unit.Percent,
            }, new ChartStyle { TimeZone = shanghai }),
            _ => (new ChartModel
            {
                Title = "InstanceDown",
                Expression = "up{job=\"node\"} == 0",
                From = ChartSamples.Now.AddHours(-1),
                To = ChartSamples.Now,
                Threshold = 0,
                Direction = BreachDirection.Equal,
            }, new ChartStyle()),
        };
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Example_Rasterised_IsWrittenAndDecodes(string name)
    {
        var (model, style) = Example(name);
        var svg = SvgChartWriter.Write(model, style);
        var png = PngRasterizer.Rasterize(svg, style);
        var decoded = DecodedPng.Decode(png);
        Assert.Equal((style.PixelWidth, style.PixelHeight), (decoded.Width, decoded.Height));
        Assert.True(decoded.CountDistinctColours() > 8, "not blank");
        File.WriteAllBytes(Path.Combine(OutputDirectory(), name + ".png"), png);
    }
}
