using System.Buffers;
using System.Text;
using Promoter.Renderer.Prometheus.Chart;

namespace Promoter.Renderer.Prometheus.Raster;

/// <summary>SVG → PNG through librsvg and <see cref="PngEncoder"/>.</summary>
internal static class PngRasterizer
{
    private static readonly Lock WarmUpLock = new();
    private static volatile bool _warm;

    /// <summary>Rasterises on the process's raster threads (see <see cref="RasterThreads"/>).</summary>
    public static Task<byte[]> RasterizeAsync(string svg, ChartStyle style, CancellationToken cancellationToken) =>
        RasterThreads.Shared.RunAsync(() => Rasterize(svg, style), cancellationToken);

    public static byte[] Rasterize(string svg, ChartStyle style)
    {
        ArgumentNullException.ThrowIfNull(svg);
        ArgumentNullException.ThrowIfNull(style);
        EnsureWarm();
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(svg.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(svg, bytes);
            return LibRsvg.Render(bytes.AsSpan(0, length), style.PixelWidth, style.PixelHeight, PngEncoder.Encode);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// The first text layout initialises fontconfig and pango's font map (a scan of every installed font),
    /// which is not safe to race from several threads; later renders share the initialised, locked caches.
    /// The probe is Latin only: a CJK character here made every process open a CJK font (2 MiB of a 19 MiB
    /// collection mapped, plus its FreeType face) whether or not any alert ever needed one; a chart with CJK text
    /// loads it when it is drawn.
    /// </summary>
    private static void EnsureWarm()
    {
        if (_warm)
        {
            return;
        }

        lock (WarmUpLock)
        {
            if (_warm)
            {
                return;
            }

            var probe = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><text x=\"0\" y=\"7\" font-size=\"6\" font-family=\"sans-serif\">A</text></svg>"u8;
            LibRsvg.Render(probe, 8, 8, (_, _, _, _) => 0);
            _warm = true;
        }
    }
}
