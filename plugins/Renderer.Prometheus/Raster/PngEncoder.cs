using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Promoter.Renderer.Prometheus.Raster;

/// <summary>
/// Encodes cairo's premultiplied BGRA pixels as PNG (RFC 2083 / ISO 15948). Written here because cairo's own
/// PNG writer costs about twice the drawing itself (see DESIGN.md "Charts"): this one uses zlib at its fastest
/// level, a palette image when the picture has at most 256 colours (charts without antialiased diagonals often
/// do) and otherwise RGB or RGBA with a per-row filter chosen by the minimum-sum-of-absolute-differences
/// heuristic the PNG spec recommends (section 12.8).
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(ReadOnlySpan<byte> bgra, int width, int height, int stride)
    {
        // Convert to straight RGBA once; note whether any pixel is not opaque and collect up to 256 colours.
        var rgba = ArrayPool<byte>.Shared.Rent(width * height * 4);
        try
        {
            var opaque = true;
            for (var y = 0; y < height; y++)
            {
                var src = bgra.Slice(y * stride, width * 4);
                var dst = rgba.AsSpan(y * width * 4, width * 4);
                for (var x = 0; x < width * 4; x += 4)
                {
                    var a = src[x + 3];
                    if (a == 255)
                    {
                        dst[x] = src[x + 2];
                        dst[x + 1] = src[x + 1];
                        dst[x + 2] = src[x];
                        dst[x + 3] = 255;
                        continue;
                    }

                    opaque = false;
                    if (a == 0)
                    {
                        dst[x] = dst[x + 1] = dst[x + 2] = dst[x + 3] = 0;
                        continue;
                    }

                    // Undo cairo's premultiplication, rounding to nearest.
                    dst[x] = (byte)Math.Min(255, ((src[x + 2] * 255) + (a / 2)) / a);
                    dst[x + 1] = (byte)Math.Min(255, ((src[x + 1] * 255) + (a / 2)) / a);
                    dst[x + 2] = (byte)Math.Min(255, ((src[x] * 255) + (a / 2)) / a);
                    dst[x + 3] = a;
                }
            }

            var pixels = rgba.AsSpan(0, width * height * 4);
            return TryPalette(pixels, width, height, out var png) ? png : EncodeTrueColour(pixels, width, height, opaque);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    private static bool TryPalette(ReadOnlySpan<byte> rgba, int width, int height, out byte[] png)
    {
        png = [];
        var index = new Dictionary<uint, byte>(256);
        var palette = new List<uint>(256);
        var indices = ArrayPool<byte>.Shared.Rent((width + 1) * height);
        try
        {
            var pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(rgba);
            var last = pixels.Length > 0 ? ~pixels[0] : 0u;
            byte lastIndex = 0;
            for (var y = 0; y < height; y++)
            {
                var row = (y * (width + 1)) + 1;
                indices[row - 1] = 0; // filter type None: palette indices do not predict well (spec 12.8)
                for (var x = 0; x < width; x++)
                {
                    var c = pixels[(y * width) + x];
                    if (c != last)
                    {
                        if (!index.TryGetValue(c, out lastIndex))
                        {
                            if (palette.Count == 256)
                            {
                                return false;
                            }

                            lastIndex = (byte)palette.Count;
                            index[c] = lastIndex;
                            palette.Add(c);
                        }

                        last = c;
                    }

                    indices[row + x] = lastIndex;
                }
            }

            using var output = new MemoryStream((width * height / 8) + 1024);
            output.Write(Signature);
            WriteHeader(output, width, height, colourType: 3);
            var plte = new byte[palette.Count * 3];
            var trns = new byte[palette.Count];
            var needsAlpha = false;
            for (var i = 0; i < palette.Count; i++)
            {
                var c = palette[i];
                plte[i * 3] = (byte)c;
                plte[(i * 3) + 1] = (byte)(c >> 8);
                plte[(i * 3) + 2] = (byte)(c >> 16);
                trns[i] = (byte)(c >> 24);
                needsAlpha |= trns[i] != 255;
            }

            WriteChunk(output, "PLTE"u8, plte);
            if (needsAlpha)
            {
                WriteChunk(output, "tRNS"u8, trns);
            }

            WriteChunk(output, "IDAT"u8, Compress(indices.AsSpan(0, (width + 1) * height)));
            WriteChunk(output, "IEND"u8, []);
            png = output.ToArray();
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(indices);
        }
    }

    private static byte[] EncodeTrueColour(ReadOnlySpan<byte> rgba, int width, int height, bool opaque)
    {
        var bpp = opaque ? 3 : 4;
        var rowLength = width * bpp;
        var raw = ArrayPool<byte>.Shared.Rent((rowLength + 1) * height);
        var prev = new byte[rowLength];
        var cur = new byte[rowLength];
        var candidates = new byte[3][];
        for (var i = 0; i < 3; i++)
        {
            candidates[i] = new byte[rowLength];
        }

        try
        {
            for (var y = 0; y < height; y++)
            {
                var src = rgba.Slice(y * width * 4, width * 4);
                if (opaque)
                {
                    for (int x = 0, o = 0; x < width * 4; x += 4, o += 3)
                    {
                        cur[o] = src[x];
                        cur[o + 1] = src[x + 1];
                        cur[o + 2] = src[x + 2];
                    }
                }
                else
                {
                    src.CopyTo(cur);
                }

                var best = ChooseFilter(cur, prev, bpp, candidates, out var filter);
                var dst = raw.AsSpan(y * (rowLength + 1), rowLength + 1);
                dst[0] = filter;
                best.CopyTo(dst[1..]);
                (prev, cur) = (cur, prev);
            }

            using var output = new MemoryStream((rowLength * height / 6) + 1024);
            output.Write(Signature);
            WriteHeader(output, width, height, colourType: opaque ? (byte)2 : (byte)6);
            WriteChunk(output, "IDAT"u8, Compress(raw.AsSpan(0, (rowLength + 1) * height)));
            WriteChunk(output, "IEND"u8, []);
            return output.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>Tries None, Sub and Up; Paeth and Average rarely win on flat chart backgrounds and cost more.</summary>
    private static byte[] ChooseFilter(byte[] cur, byte[] prev, int bpp, byte[][] buffers, out byte filter)
    {
        var sub = buffers[0];
        var up = buffers[1];
        long sumNone = 0, sumSub = 0, sumUp = 0;
        for (var i = 0; i < cur.Length; i++)
        {
            var c = cur[i];
            var s = (byte)(c - (i >= bpp ? cur[i - bpp] : 0));
            var u = (byte)(c - prev[i]);
            sub[i] = s;
            up[i] = u;
            sumNone += (sbyte)c < 0 ? -(sbyte)c : (sbyte)c;
            sumSub += (sbyte)s < 0 ? -(sbyte)s : (sbyte)s;
            sumUp += (sbyte)u < 0 ? -(sbyte)u : (sbyte)u;
        }

        if (sumUp <= sumSub && sumUp <= sumNone)
        {
            filter = 2;
            return up;
        }

        if (sumSub <= sumNone)
        {
            filter = 1;
            return sub;
        }

        filter = 0;
        return cur;
    }

    private static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var buffer = new MemoryStream((data.Length / 8) + 64);
        using (var z = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(data);
        }

        return buffer.ToArray();
    }

    private static void WriteHeader(Stream output, int width, int height, byte colourType)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = colourType;
        WriteChunk(output, "IHDR"u8, ihdr);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        type.CopyTo(header[4..]);
        output.Write(header);
        output.Write(data);
        var crc = Crc32.Append(Crc32.Append(Crc32.Initial, type), data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        output.Write(crcBytes);
    }
}

/// <summary>The CRC-32 of PNG chunks (ISO 3309 polynomial, table-driven as in PNG spec annex D).</summary>
internal static class Crc32
{
    public const uint Initial = 0xFFFFFFFFu;

    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }
}
