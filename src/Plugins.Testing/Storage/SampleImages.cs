using Xunit;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Promoter.Testing.Storage;

/// <summary>Images a renderer would produce, and content a store must refuse.</summary>
public static class SampleImages
{
    /// <summary>A chart rasterised by librsvg (rsvg-convert), tests/testdata/storage/chart.png shipped inside this assembly.</summary>
    public static byte[] ChartPng => KitResources.Bytes("chart.png");

    /// <summary>The SVG source of <see cref="ChartPng"/>.</summary>
    public static byte[] ChartSvg => KitResources.Bytes("chart.svg");

    /// <summary>
    /// A valid RGB PNG whose pixels depend on <paramref name="seed"/>, so that every seed gives different
    /// bytes (and a different content hash). <paramref name="padding"/> adds a tEXt chunk of that many bytes.
    /// </summary>
    public static byte[] Png(int seed, int width = 16, int height = 8, int padding = 0)
    {
        var rng = new Random(seed);
        return Encode(width, height, padding, row => rng.NextBytes(row));
    }

    /// <summary>
    /// A valid RGB PNG of one colour chosen by <paramref name="seed"/>: compresses to a few KiB at any size, as a
    /// rendered panel does (mostly background), where <see cref="Png"/>'s noise would not.
    /// </summary>
    public static byte[] SolidPng(int seed, int width, int height) => Encode(width, height, 0, row =>
    {
        for (var x = 0; x < row.Length; x += 3)
        {
            row[x] = (byte)(seed * 37);
            row[x + 1] = (byte)(seed * 91);
            row[x + 2] = (byte)(seed * 53);
        }
    });

    /// <summary>An 8-bit RGB PNG whose rows (pixels only, without the filter byte) <paramref name="fillRow"/> writes, top
    /// to bottom; <paramref name="padding"/> adds a tEXt chunk of that many bytes.</summary>
    private static byte[] Encode(int width, int height, int padding, SpanAction fillRow)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        WriteChunk(output, "IHDR", ihdr);

        if (padding > 0)
        {
            var text = new byte[padding];
            Encoding.ASCII.GetBytes("Comment").CopyTo(text, 0);
            for (var i = 8; i < padding; i++)
            {
                text[i] = (byte)'a';
            }

            WriteChunk(output, "tEXt", text);
        }

        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            {
                var row = new byte[1 + (width * 3)];
                for (var y = 0; y < height; y++)
                {
                    row[0] = 0; // filter: none
                    fillRow(row.AsSpan(1));
                    z.Write(row);
                }
            }

            WriteChunk(output, "IDAT", raw.ToArray());
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private delegate void SpanAction(Span<byte> row);

    /// <summary>A small SVG that differs by <paramref name="seed"/>.</summary>
    public static byte[] Svg(int seed) => Encoding.UTF8.GetBytes(
        $"""<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="{seed % 100 + 1}" height="10" fill="#1f77b4"/></svg>""");

    /// <summary>Content a store must refuse, with the content type it is offered as.</summary>
    public static TheoryData<string, byte[], string> NotImages => new()
    {
        { "empty", [], "image/png" },
        { "random bytes as png", RandomBytes(512), "image/png" },
        { "html as png", Encoding.UTF8.GetBytes("<!doctype html><html><body><script>alert(1)</script></body></html>"), "image/png" },
        { "html as svg", Encoding.UTF8.GetBytes("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>"), "image/svg+xml" },
        { "png as text/html", Png(1), "text/html" },
        { "png as svg", Png(2), "image/svg+xml" },
        { "svg with script", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "image/svg+xml" },
        { "svg with onload", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"), "image/svg+xml" },
        { "svg with doctype entity", Encoding.UTF8.GetBytes("<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg xmlns=\"http://www.w3.org/2000/svg\"><text>&x;</text></svg>"), "image/svg+xml" },
        { "svg with external image", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><image xlink:href=\"https://evil.example/t.png\"/></svg>"), "image/svg+xml" },
        { "svg without namespace", Encoding.UTF8.GetBytes("<svg><rect/></svg>"), "image/svg+xml" },
        { "png with trailing html", [.. Png(3), .. Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>")], "image/png" },
        { "png with bad crc", CorruptCrc(Png(4)), "image/png" },
        { "gif", Encoding.ASCII.GetBytes("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif" },
    };

    /// <summary>A PNG cut short at several points: a failed download or a partial upload.</summary>
    public static IEnumerable<byte[]> TruncatedPngs()
    {
        var png = Png(5, 32, 32);
        foreach (var length in new[] { 8, 20, 33, png.Length / 2, png.Length - 12, png.Length - 1 })
        {
            yield return png[..length];
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var b = new byte[count];
        new Random(42).NextBytes(b);
        return b;
    }

    private static byte[] CorruptCrc(byte[] png)
    {
        var copy = (byte[])png.Clone();
        copy[29] ^= 0xFF; // the IHDR chunk's CRC
        return copy;
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        output.Write(header);
        output.Write(data);
        var crc = Crc32([.. header[4..], .. data]);
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        output.Write(crcBytes);
    }

    // Written independently of the store's own CRC so that a bug there cannot hide in both.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
