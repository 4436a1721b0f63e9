using System.Text;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus.Tests;

/// <summary>
/// The vectorised paths of the encoder (BGRA→RGB shuffle, filter choice, Sub/Up, slicing-by-8 CRC) against plain
/// reference computations, at widths that exercise both the 16-byte loops and their scalar tails.
/// </summary>
public class PngEncoderFastPathTests
{
    public static TheoryData<int, bool> Sizes()
    {
        var data = new TheoryData<int, bool>();
        foreach (var width in new[] { 1, 3, 5, 6, 16, 17, 33, 100, 257 })
        {
            data.Add(width, true);
            data.Add(width, false);
        }

        return data;
    }

    /// <summary>
    /// Random premultiplied pixels whose rows repeat and drift, so that None, Sub and Up each win on some rows,
    /// with an odd stride padding filled with garbage the encoder must not read as pixels.
    /// </summary>
    private static (byte[] Bgra, int Stride) Surface(int width, int height, bool opaque, int seed)
    {
        var random = new Random(seed);
        var stride = (width * 4) + 12;
        var data = new byte[stride * height];
        random.NextBytes(data);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = (y * stride) + (x * 4);
                var a = opaque ? (byte)255 : (byte)(random.Next(4) switch { 0 => 0, 1 => 255, _ => random.Next(1, 255) });
                if (y % 3 == 1)
                {
                    Array.Copy(data, o - stride, data, o, 4); // same as the row above: Up wins
                    a = data[o + 3];
                }
                else if (y % 3 == 2 && x > 0)
                {
                    Array.Copy(data, o - 4, data, o, 4); // same as the pixel on the left: Sub wins
                    a = data[o + 3];
                }

                data[o + 3] = a;
                for (var c = 0; c < 3; c++)
                {
                    data[o + c] = (byte)(data[o + c] * a / 255); // premultiplied: a channel never exceeds alpha
                }
            }
        }

        return (data, stride);
    }

    /// <summary>Straight RGBA from premultiplied BGRA, the way libpng's and pixman's unpremultiply round.</summary>
    private static (byte R, byte G, byte B, byte A) Reference(byte[] bgra, int offset)
    {
        int b = bgra[offset], g = bgra[offset + 1], r = bgra[offset + 2], a = bgra[offset + 3];
        if (a == 0)
        {
            return (0, 0, 0, 0);
        }

        byte Un(int v) => (byte)Math.Min(255, ((v * 255) + (a / 2)) / a);
        return (Un(r), Un(g), Un(b), (byte)a);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Encode_RandomPixels_DecodesToExactStraightColours(int width, bool opaque)
    {
        const int height = 9;
        var (bgra, stride) = Surface(width, height, opaque, seed: width);
        var png = DecodedPng.Decode(PngEncoder.Encode(bgra, width, height, stride));
        var distinct = png.CountDistinctColours();
        Assert.Equal(distinct <= 256 ? 3 : opaque ? 2 : 6, png.ColourType);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                Assert.Equal(Reference(bgra, (y * stride) + (x * 4)), png.At(x, y));
            }
        }
    }

    [Theory]
    [InlineData(256, 3)]
    [InlineData(257, 2)]
    public void Encode_ColourCountAtPaletteLimit_PaletteOnlyUpTo256(int colours, byte expectedColourType)
    {
        // One row per colour, each colour distinct in its green and blue channels.
        var (bgra, stride) = (new byte[16 * 4 * colours], 16 * 4);
        for (var y = 0; y < colours; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                var o = (y * stride) + (x * 4);
                (bgra[o], bgra[o + 1], bgra[o + 2], bgra[o + 3]) = ((byte)(y >> 8), (byte)y, 7, 255);
            }
        }

        var png = DecodedPng.Decode(PngEncoder.Encode(bgra, 16, colours, stride));
        Assert.Equal(expectedColourType, png.ColourType);
        Assert.Equal(colours, png.CountDistinctColours());
        Assert.Equal(((byte)7, (byte)(colours - 1), (byte)((colours - 1) >> 8), (byte)255), png.At(15, colours - 1));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(3, 50)]
    [InlineData(4, 64)]
    [InlineData(3, 2400)]
    public void Choose_RandomRows_MatchesScalarSumOfAbsoluteDifferences(int bpp, int length)
    {
        var random = new Random(length);
        for (var trial = 0; trial < 200; trial++)
        {
            var cur = new byte[length];
            var prev = new byte[length];
            random.NextBytes(cur);
            random.NextBytes(prev);
            for (var i = 0; i < length; i++)
            {
                // Mostly small differences (as on charts) so that the three sums are close and ties happen.
                if (random.Next(3) != 0)
                {
                    prev[i] = (byte)(cur[i] + random.Next(-2, 3));
                }

                if (random.Next(3) == 0 && i >= bpp)
                {
                    cur[i] = cur[i - bpp];
                }
            }

            long none = 0, sub = 0, up = 0;
            for (var i = 0; i < length; i++)
            {
                none += Math.Abs((int)(sbyte)cur[i]);
                sub += Math.Abs((int)(sbyte)(byte)(cur[i] - (i >= bpp ? cur[i - bpp] : 0)));
                up += Math.Abs((int)(sbyte)(byte)(cur[i] - prev[i]));
            }

            var expected = up <= sub && up <= none ? 2 : sub <= none ? 1 : 0;
            Assert.Equal(expected, RowFilter.Choose(cur, prev, bpp));
        }
    }

    [Theory]
    [InlineData("123456789", 0xCBF43926u)] // the CRC-32 check value (ISO 3309 / ITU-T V.42)
    [InlineData("", 0u)]
    [InlineData("IEND", 0xAE426082u)] // the CRC every PNG ends with
    public void Crc32_KnownInputs_GiveKnownValues(string text, uint expected)
    {
        Assert.Equal(expected, Crc32.Append(Crc32.Initial, Encoding.ASCII.GetBytes(text)) ^ Crc32.Initial);
    }

    [Fact]
    public void Crc32_SplitAnywhere_SameAsBitwiseReference()
    {
        var data = new byte[300];
        new Random(7).NextBytes(data);
        var reference = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            reference ^= b;
            for (var k = 0; k < 8; k++)
            {
                reference = (reference & 1) != 0 ? 0xEDB88320u ^ (reference >> 1) : reference >> 1;
            }
        }

        for (var split = 0; split <= data.Length; split += 13)
        {
            var crc = Crc32.Append(Crc32.Append(Crc32.Initial, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(reference, crc);
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Rasterize_FiringChart_PngHoldsExactlyCairosPixels(double scale)
    {
        var style = new ChartStyle { Scale = scale };
        var svg = SvgChartWriter.Write(ChartSamples.Firing(3, 300), style);
        var surface = LibRsvg.Render(Encoding.UTF8.GetBytes(svg), style.PixelWidth, style.PixelHeight, (px, w, h, stride) =>
        {
            var straight = new byte[w * h * 4];
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var (r, g, b, a) = Reference(px.Slice((y * stride) + (x * 4), 4).ToArray(), 0);
                    (straight[((y * w) + x) * 4], straight[(((y * w) + x) * 4) + 1], straight[(((y * w) + x) * 4) + 2], straight[(((y * w) + x) * 4) + 3]) = (r, g, b, a);
                }
            }

            return straight;
        });

        var png = DecodedPng.Decode(PngRasterizer.Rasterize(svg, style));
        Assert.Equal((style.PixelWidth, style.PixelHeight), (png.Width, png.Height));
        Assert.True(surface.AsSpan().SequenceEqual(png.Pixels), "decoded PNG pixels differ from cairo's surface");
    }

    [Fact]
    public void Render_InvalidSvg_ThrowsNamingLibrsvg()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LibRsvg.Render("<svg"u8, 10, 10, (_, _, _, _) => 0));
        Assert.StartsWith("librsvg could not read the SVG", error.Message, StringComparison.Ordinal);
    }
}
