using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Promoter.Renderer.Prometheus.Tests;

/// <summary>
/// An independent PNG reader for the tests (8-bit RGB, RGBA and palette, non-interlaced): checks the signature
/// and every chunk CRC, inflates IDAT and reverses all five row filters, so the encoder is checked against the spec
/// rather than against itself.
/// </summary>
public sealed class DecodedPng
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required byte ColourType { get; init; }

    /// <summary>RGBA, row-major.</summary>
    public required byte[] Pixels { get; init; }

    public (byte R, byte G, byte B, byte A) At(int x, int y)
    {
        var i = ((y * Width) + x) * 4;
        return (Pixels[i], Pixels[i + 1], Pixels[i + 2], Pixels[i + 3]);
    }

    public int CountDistinctColours() =>
        Enumerable.Range(0, Width * Height).Select(i => BitConverter.ToUInt32(Pixels, i * 4)).Distinct().Count();

    /// <summary>How many pixels are within <paramref name="tolerance"/> of the colour (#rrggbb).</summary>
    public int CountNear(string hex, int tolerance = 40)
    {
        var r = Convert.ToInt32(hex.Substring(1, 2), 16);
        var g = Convert.ToInt32(hex.Substring(3, 2), 16);
        var b = Convert.ToInt32(hex.Substring(5, 2), 16);
        var n = 0;
        for (var i = 0; i < Pixels.Length; i += 4)
        {
            if (Math.Abs(Pixels[i] - r) + Math.Abs(Pixels[i + 1] - g) + Math.Abs(Pixels[i + 2] - b) <= tolerance)
            {
                n++;
            }
        }

        return n;
    }

    public static DecodedPng Decode(byte[] png)
    {
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(png.AsSpan(0, 8).SequenceEqual(signature), "PNG signature");
        var pos = 8;
        int width = 0, height = 0;
        byte colourType = 0;
        byte[] palette = [];
        byte[] trns = [];
        using var idat = new MemoryStream();
        var sawEnd = false;
        while (pos < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(Crc(png.AsSpan(pos + 4, length + 4)), crc);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(8, data[8]);
                    colourType = data[9];
                    Assert.Equal(0, data[12]); // not interlaced
                    break;
                case "PLTE": palette = data.ToArray(); break;
                case "tRNS": trns = data.ToArray(); break;
                case "IDAT": idat.Write(data); break;
                case "IEND": sawEnd = true; break;
            }

            pos += 12 + length;
        }

        Assert.True(sawEnd, "IEND chunk");
        var bpp = colourType switch { 2 => 3, 6 => 4, 3 => 1, _ => throw new InvalidDataException($"colour type {colourType}") };
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var rawStream = new MemoryStream();
        z.CopyTo(rawStream);
        var raw = rawStream.ToArray();
        var stride = width * bpp;
        Assert.Equal((stride + 1) * height, raw.Length);
        var prev = new byte[stride];
        var pixels = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan((y * (stride + 1)) + 1, stride).ToArray();
            for (var i = 0; i < stride; i++)
            {
                int a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                line[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                });
            }

            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 4;
                switch (colourType)
                {
                    case 2:
                        pixels[o] = line[x * 3]; pixels[o + 1] = line[(x * 3) + 1]; pixels[o + 2] = line[(x * 3) + 2]; pixels[o + 3] = 255;
                        break;
                    case 6:
                        Array.Copy(line, x * 4, pixels, o, 4);
                        break;
                    case 3:
                        var idx = line[x];
                        Assert.True(idx * 3 < palette.Length, "palette index in range");
                        pixels[o] = palette[idx * 3]; pixels[o + 1] = palette[(idx * 3) + 1]; pixels[o + 2] = palette[(idx * 3) + 2];
                        pixels[o + 3] = idx < trns.Length ? trns[idx] : (byte)255;
                        break;
                }
            }

            prev = line;
        }

        return new DecodedPng { Width = width, Height = height, ColourType = colourType, Pixels = pixels };
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var d in data)
        {
            crc ^= d;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
