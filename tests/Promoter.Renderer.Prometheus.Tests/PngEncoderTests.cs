using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus.Tests;

public class PngEncoderTests
{
    /// <summary>Premultiplied BGRA as cairo lays it out, with padding at the end of each row.</summary>
    private static (byte[] Bgra, int Stride) Image(int width, int height, Func<int, int, (byte R, byte G, byte B, byte A)> pixel)
    {
        var stride = (width * 4) + 8;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b, a) = pixel(x, y);
                var o = (y * stride) + (x * 4);
                data[o] = (byte)(b * a / 255);
                data[o + 1] = (byte)(g * a / 255);
                data[o + 2] = (byte)(r * a / 255);
                data[o + 3] = a;
            }
        }

        return (data, stride);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(64, 40)]
    public void Encode_FewColours_UsesPaletteAndRoundTrips(int width, int height)
    {
        var (bgra, stride) = Image(width, height, (x, y) => ((x + y) % 3 == 0 ? (byte)255 : (byte)20, (byte)(y % 2 * 200), 30, 255));
        var png = DecodedPng.Decode(PngEncoder.Encode(bgra, width, height, stride));
        Assert.Equal(3, png.ColourType);
        Assert.Equal((width, height), (png.Width, png.Height));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                Assert.Equal(((x + y) % 3 == 0 ? (byte)255 : (byte)20, (byte)(y % 2 * 200), (byte)30, (byte)255), png.At(x, y));
            }
        }
    }

    [Fact]
    public void Encode_ManyOpaqueColours_UsesRgbAndRoundTripsExactly()
    {
        var random = new Random(42);
        var expected = new (byte, byte, byte, byte)[100, 80];
        var (bgra, stride) = Image(100, 80, (x, y) =>
        {
            var p = ((byte)random.Next(256), (byte)random.Next(256), (byte)((x * 2) + y), (byte)255);
            expected[x, y] = p;
            return p;
        });
        var png = DecodedPng.Decode(PngEncoder.Encode(bgra, 100, 80, stride));
        Assert.Equal(2, png.ColourType);
        for (var y = 0; y < 80; y++)
        {
            for (var x = 0; x < 100; x++)
            {
                Assert.Equal(expected[x, y], png.At(x, y));
            }
        }
    }

    [Fact]
    public void Encode_TranslucentPixels_UnpremultipliesIntoRgba()
    {
        var (bgra, stride) = Image(300, 2, (x, y) => ((byte)x, 255, (byte)(255 - x), y == 0 ? (byte)255 : (byte)0x80));
        var png = DecodedPng.Decode(PngEncoder.Encode(bgra, 300, 2, stride));
        Assert.Equal(6, png.ColourType);
        var (r, g, _, a) = png.At(200, 1);
        Assert.Equal(0x80, a);
        Assert.InRange(r, 198, 202); // premultiplication loses a little precision at half alpha
        Assert.InRange(g, 253, 255);
    }
}
