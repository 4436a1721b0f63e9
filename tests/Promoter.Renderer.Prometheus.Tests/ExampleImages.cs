using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus.Tests;

public class ExampleImagesTests
{
    [Fact]
    public void Scratch_WritesPng()
    {
        var dir = Path.Combine(Path.GetTempPath(), "promoter-renderer-scratch");
        Directory.CreateDirectory(dir);
        var style = new ChartStyle();
        var svg = SvgChartWriter.Write(ChartSamples.Firing(), style);
        File.WriteAllText(Path.Combine(dir, "firing.svg"), svg);
        File.WriteAllBytes(Path.Combine(dir, "firing.png"), PngRasterizer.Rasterize(svg, style));
    }
}
