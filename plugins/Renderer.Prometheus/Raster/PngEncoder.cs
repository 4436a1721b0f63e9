using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Promoter.Renderer.Prometheus.Raster;

/// <summary>
/// Encodes cairo's premultiplied BGRA pixels as PNG (RFC 2083 / ISO 15948). Written here because cairo's own
/// PNG writer costs about twice the drawing itself (see DESIGN.md "Charts"). One quick scan decides the colour
/// type: a palette image when the picture has at most 256 colours (the scan gives up at the 257th, which an
/// antialiased chart reaches within its first rows), else RGB when every pixel is opaque, else RGBA. True-colour
/// rows are converted straight from the surface into one row buffer, filtered with the
/// minimum-sum-of-absolute-differences choice among None, Sub and Up the PNG spec recommends (section 12.8; Paeth
/// and Average rarely win on flat chart backgrounds and cost more), and streamed into zlib at its fastest level.
/// </summary>
internal static class PngEncoder
{
    private const int PaletteLimit = 256;

    /// <summary>Filtered rows are handed to zlib in batches of about this many bytes, which stay in cache.</summary>
    private const int BatchBytes = 64 * 1024;

    /// <summary>A reused output buffer bigger than this is dropped after use rather than kept by the thread.</summary>
    private const int RetainedOutputBytes = 4 * 1024 * 1024;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [ThreadStatic]
    private static MemoryStream? t_output;

    public static byte[] Encode(ReadOnlySpan<byte> bgra, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(bgra.Length, (stride * (height - 1)) + (width * 4), nameof(bgra));

        var output = t_output ?? new MemoryStream();
        t_output = null; // a nested call on this thread (none today) gets its own buffer
        try
        {
            output.SetLength(0);
            var palette = new ColourTable();
            if (palette.TryCollect(bgra, width, height, stride))
            {
                WritePalette(output, bgra, width, height, stride, ref palette);
            }
            else
            {
                WriteTrueColour(output, bgra, width, height, stride, IsOpaque(bgra, width, height, stride));
            }

            return output.ToArray();
        }
        finally
        {
            if (output.Capacity <= RetainedOutputBytes)
            {
                t_output = output;
            }
        }
    }

    private static void WritePalette(MemoryStream output, ReadOnlySpan<byte> bgra, int width, int height, int stride, ref ColourTable palette)
    {
        output.Write(Signature);
        WriteHeader(output, width, height, colourType: 3);
        Span<byte> plte = stackalloc byte[PaletteLimit * 3];
        Span<byte> trns = stackalloc byte[PaletteLimit];
        var needsAlpha = false;
        for (var i = 0; i < palette.Count; i++)
        {
            var c = palette.Colour(i);
            plte[i * 3] = (byte)c;
            plte[(i * 3) + 1] = (byte)(c >> 8);
            plte[(i * 3) + 2] = (byte)(c >> 16);
            trns[i] = (byte)(c >> 24);
            needsAlpha |= trns[i] != 255;
        }

        WriteChunk(output, "PLTE"u8, plte[..(palette.Count * 3)]);
        if (needsAlpha)
        {
            WriteChunk(output, "tRNS"u8, trns[..palette.Count]);
        }

        var idat = BeginChunk(output, "IDAT"u8);
        var row = ArrayPool<byte>.Shared.Rent(width + 1);
        try
        {
            using var z = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true);
            for (var y = 0; y < height; y++)
            {
                var pixels = MemoryMarshal.Cast<byte, uint>(bgra.Slice(y * stride, width * 4));
                row[0] = 0; // filter type None: palette indices do not predict well (spec 12.8)
                var last = ~pixels[0];
                byte index = 0;
                for (var x = 0; x < pixels.Length; x++)
                {
                    if (pixels[x] != last)
                    {
                        last = pixels[x];
                        index = palette.IndexOf(Straight(last));
                    }

                    row[x + 1] = index;
                }

                z.Write(row, 0, width + 1);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(row);
        }

        EndChunk(output, idat);
        WriteChunk(output, "IEND"u8, []);
    }

    private static void WriteTrueColour(MemoryStream output, ReadOnlySpan<byte> bgra, int width, int height, int stride, bool opaque)
    {
        output.Write(Signature);
        WriteHeader(output, width, height, colourType: opaque ? (byte)2 : (byte)6);
        var idat = BeginChunk(output, "IDAT"u8);

        var bpp = opaque ? 3 : 4;
        var rowLength = width * bpp;

        // Rows carry 16 bytes of slack: the vector conversion stores whole 16-byte registers.
        var rows = ArrayPool<byte>.Shared.Rent((2 * (rowLength + 16)) + Math.Max(BatchBytes, rowLength + 1));
        try
        {
            var prev = rows.AsSpan(0, rowLength + 16);
            var cur = rows.AsSpan(rowLength + 16, rowLength + 16);
            var batch = rows.AsSpan(2 * (rowLength + 16));
            prev.Clear(); // the row above the first row is all zero (spec 9.2)
            var filled = 0;
            using var z = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true);
            for (var y = 0; y < height; y++)
            {
                var src = bgra.Slice(y * stride, width * 4);
                if (opaque)
                {
                    PixelConversion.OpaqueToRgb(src, cur);
                }
                else
                {
                    PixelConversion.ToStraightRgba(src, cur);
                }

                if (filled + rowLength + 1 > batch.Length)
                {
                    z.Write(batch[..filled]);
                    filled = 0;
                }

                RowFilter.Apply(cur[..rowLength], prev[..rowLength], bpp, batch.Slice(filled, rowLength + 1));
                filled += rowLength + 1;
                var swap = prev;
                prev = cur;
                cur = swap;
            }

            z.Write(batch[..filled]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rows);
        }

        EndChunk(output, idat);
        WriteChunk(output, "IEND"u8, []);
    }

    /// <summary>Whether every pixel has alpha 255 (then RGB is lossless and a quarter smaller than RGBA).</summary>
    private static bool IsOpaque(ReadOnlySpan<byte> bgra, int width, int height, int stride)
    {
        for (var y = 0; y < height; y++)
        {
            var pixels = MemoryMarshal.Cast<byte, uint>(bgra.Slice(y * stride, width * 4));
            var x = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                var all = Vector128<uint>.AllBitsSet;
                for (; x + 4 <= pixels.Length; x += 4)
                {
                    all &= Vector128.Create(pixels.Slice(x, 4));
                }

                if ((all.GetElement(0) & all.GetElement(1) & all.GetElement(2) & all.GetElement(3)) < 0xFF000000u)
                {
                    return false;
                }
            }

            for (; x < pixels.Length; x++)
            {
                if (pixels[x] < 0xFF000000u)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Straight (not premultiplied) RGBA packed as R | G&lt;&lt;8 | B&lt;&lt;16 | A&lt;&lt;24, from cairo's premultiplied ARGB.</summary>
    private static uint Straight(uint argb)
    {
        var a = argb >> 24;
        if (a == 255)
        {
            return 0xFF000000u | ((argb & 0xFF) << 16) | (argb & 0xFF00) | ((argb >> 16) & 0xFF);
        }

        if (a == 0)
        {
            return 0;
        }

        var r = PixelConversion.Unpremultiply((argb >> 16) & 0xFF, a);
        var g = PixelConversion.Unpremultiply((argb >> 8) & 0xFF, a);
        var b = PixelConversion.Unpremultiply(argb & 0xFF, a);
        return (a << 24) | (b << 16) | (g << 8) | r;
    }

    private static void WriteHeader(Stream output, int width, int height, byte colourType)
    {
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = colourType;
        ihdr[10] = ihdr[11] = ihdr[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR"u8, ihdr);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        type.CopyTo(header[4..]);
        output.Write(header);
        output.Write(data);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Append(Crc32.Append(Crc32.Initial, type), data) ^ Crc32.Initial);
        output.Write(crc);
    }

    /// <summary>Writes a chunk header with a length to be filled in by <see cref="EndChunk"/>; returns where it starts.</summary>
    private static int BeginChunk(MemoryStream output, ReadOnlySpan<byte> type)
    {
        var start = (int)output.Length;
        Span<byte> header = stackalloc byte[8];
        type.CopyTo(header[4..]);
        output.Write(header);
        return start;
    }

    private static void EndChunk(MemoryStream output, int start)
    {
        var buffer = output.GetBuffer().AsSpan(start, (int)output.Length - start);
        var length = buffer.Length - 8;
        BinaryPrimitives.WriteInt32BigEndian(buffer, length);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Append(Crc32.Initial, buffer[4..]) ^ Crc32.Initial);
        output.Write(crc);
    }

    /// <summary>
    /// Up to 256 straight RGBA colours in order of first appearance, in an open-addressing hash table (512 slots,
    /// so at most half full) that is cheaper than a Dictionary for the one lookup per change of colour along a row.
    /// </summary>
    private struct ColourTable
    {
        private const int Slots = 512;
        private uint[]? _keys;
        private short[]? _slots; // palette index + 1; 0 = empty
        private uint[]? _colours;

        public int Count { get; private set; }

        public readonly uint Colour(int index) => _colours![index];

        /// <summary>Collects the colours; false as soon as there are more than 256.</summary>
        public bool TryCollect(ReadOnlySpan<byte> bgra, int width, int height, int stride)
        {
            _keys = new uint[Slots];
            _slots = new short[Slots];
            _colours = new uint[PaletteLimit];
            for (var y = 0; y < height; y++)
            {
                var pixels = MemoryMarshal.Cast<byte, uint>(bgra.Slice(y * stride, width * 4));
                var last = ~pixels[0];
                foreach (var p in pixels)
                {
                    if (p != last)
                    {
                        last = p;
                        if (!Add(Straight(p)))
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }

        public readonly byte IndexOf(uint colour)
        {
            for (var slot = Hash(colour); ; slot = (slot + 1) & (Slots - 1))
            {
                if (_keys![slot] == colour && _slots![slot] != 0)
                {
                    return (byte)(_slots[slot] - 1);
                }
            }
        }

        private bool Add(uint colour)
        {
            var slot = Hash(colour);
            while (_slots![slot] != 0)
            {
                if (_keys![slot] == colour)
                {
                    return true;
                }

                slot = (slot + 1) & (Slots - 1);
            }

            if (Count == PaletteLimit)
            {
                return false;
            }

            _keys![slot] = colour;
            _colours![Count] = colour;
            _slots[slot] = (short)++Count;
            return true;
        }

        private static int Hash(uint colour) => (int)((colour * 0x9E3779B1u) >> 23);
    }
}

/// <summary>cairo's premultiplied BGRA (ARGB32 in little-endian order) to the byte orders PNG stores.</summary>
internal static class PixelConversion
{
    /// <summary>Undoes cairo's premultiplication, rounding to nearest.</summary>
    public static uint Unpremultiply(uint value, uint alpha) => Math.Min(255u, ((value * 255) + (alpha / 2)) / alpha);

    /// <summary>BGRA with alpha 255 to RGB; <paramref name="rgb"/> needs 16 bytes of slack past width×3.</summary>
    public static void OpaqueToRgb(ReadOnlySpan<byte> bgra, Span<byte> rgb)
    {
        int x = 0, o = 0;
        if (Ssse3.IsSupported && rgb.Length >= (bgra.Length / 4 * 3) + 16)
        {
            var mask = Vector128.Create((byte)2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0x80, 0x80, 0x80, 0x80);
            ref var src = ref MemoryMarshal.GetReference(bgra);
            ref var dst = ref MemoryMarshal.GetReference(rgb);
            for (; x + 16 <= bgra.Length; x += 16, o += 12)
            {
                var v = Vector128.LoadUnsafe(ref src, (nuint)x);
                Ssse3.Shuffle(v, mask).StoreUnsafe(ref dst, (nuint)o);
            }
        }

        for (; x < bgra.Length; x += 4, o += 3)
        {
            rgb[o] = bgra[x + 2];
            rgb[o + 1] = bgra[x + 1];
            rgb[o + 2] = bgra[x];
        }
    }

    /// <summary>Premultiplied BGRA to straight RGBA.</summary>
    public static void ToStraightRgba(ReadOnlySpan<byte> bgra, Span<byte> rgba)
    {
        for (var x = 0; x < bgra.Length; x += 4)
        {
            var a = bgra[x + 3];
            if (a == 255)
            {
                rgba[x] = bgra[x + 2];
                rgba[x + 1] = bgra[x + 1];
                rgba[x + 2] = bgra[x];
                rgba[x + 3] = 255;
            }
            else if (a == 0)
            {
                rgba[x] = rgba[x + 1] = rgba[x + 2] = rgba[x + 3] = 0;
            }
            else
            {
                rgba[x] = (byte)Unpremultiply(bgra[x + 2], a);
                rgba[x + 1] = (byte)Unpremultiply(bgra[x + 1], a);
                rgba[x + 2] = (byte)Unpremultiply(bgra[x], a);
                rgba[x + 3] = a;
            }
        }
    }
}

/// <summary>
/// PNG row filters None (0), Sub (1) and Up (2) (spec 9.2), choosing per row the one with the smallest sum of
/// absolute values of the filtered bytes taken as signed (spec 12.8).
/// </summary>
internal static class RowFilter
{
    /// <summary>Writes the filter type byte and the filtered row to <paramref name="destination"/> (length + 1 bytes).</summary>
    public static void Apply(ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, int bpp, Span<byte> destination)
    {
        var filter = Choose(cur, prev, bpp);
        destination[0] = filter;
        var d = destination.Slice(1, cur.Length);
        switch (filter)
        {
            case 0:
                cur.CopyTo(d);
                break;
            case 1:
                cur[..bpp].CopyTo(d);
                Subtract(cur[bpp..], cur, d[bpp..]);
                break;
            default:
                Subtract(cur, prev, d);
                break;
        }
    }

    /// <summary>0 None, 1 Sub or 2 Up; ties prefer Up, then Sub, as before.</summary>
    public static byte Choose(ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, int bpp)
    {
        ulong none = 0, sub = 0, up = 0;
        var i = 0;
        if (Ssse3.IsSupported)
        {
            ref var c = ref MemoryMarshal.GetReference(cur);
            ref var p = ref MemoryMarshal.GetReference(prev);
            var vNone = Vector128<ulong>.Zero;
            var vSub = Vector128<ulong>.Zero;
            var vUp = Vector128<ulong>.Zero;
            var zero = Vector128<byte>.Zero;

            // Bytes before index bpp are not vectorised for Sub (their left neighbour is 0), so start there.
            for (; i < bpp && i < cur.Length; i++)
            {
                Accumulate(cur[i], cur[i], (byte)(cur[i] - prev[i]), ref none, ref sub, ref up);
            }

            for (; i + 16 <= cur.Length; i += 16)
            {
                var v = Vector128.LoadUnsafe(ref c, (nuint)i);
                var left = Vector128.LoadUnsafe(ref c, (nuint)(i - bpp));
                var above = Vector128.LoadUnsafe(ref p, (nuint)i);
                vNone += Sse2.SumAbsoluteDifferences(Ssse3.Abs(v.AsSByte()), zero).AsUInt64();
                vSub += Sse2.SumAbsoluteDifferences(Ssse3.Abs((v - left).AsSByte()), zero).AsUInt64();
                vUp += Sse2.SumAbsoluteDifferences(Ssse3.Abs((v - above).AsSByte()), zero).AsUInt64();
            }

            none += vNone.GetElement(0) + vNone.GetElement(1);
            sub += vSub.GetElement(0) + vSub.GetElement(1);
            up += vUp.GetElement(0) + vUp.GetElement(1);
        }

        for (; i < cur.Length; i++)
        {
            Accumulate(cur[i], (byte)(cur[i] - (i >= bpp ? cur[i - bpp] : 0)), (byte)(cur[i] - prev[i]), ref none, ref sub, ref up);
        }

        return up <= sub && up <= none ? (byte)2 : sub <= none ? (byte)1 : (byte)0;
    }

    private static void Accumulate(byte n, byte s, byte u, ref ulong none, ref ulong sub, ref ulong up)
    {
        none += (ulong)Math.Abs((int)(sbyte)n);
        sub += (ulong)Math.Abs((int)(sbyte)s);
        up += (ulong)Math.Abs((int)(sbyte)u);
    }

    /// <summary>d[i] = a[i] - b[i] modulo 256.</summary>
    private static void Subtract(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> d)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            ref var rd = ref MemoryMarshal.GetReference(d);
            for (; i + 16 <= a.Length; i += 16)
            {
                (Vector128.LoadUnsafe(ref ra, (nuint)i) - Vector128.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < a.Length; i++)
        {
            d[i] = (byte)(a[i] - b[i]);
        }
    }
}

/// <summary>
/// The CRC-32 of PNG chunks (ISO 3309 polynomial, PNG spec annex D), slicing-by-8: eight tables let the loop
/// consume eight bytes per step, about five times faster than the byte-at-a-time table on a 100 KiB IDAT.
/// </summary>
internal static class Crc32
{
    public const uint Initial = 0xFFFFFFFFu;

    private static readonly uint[] Table = BuildTables();

    private static uint[] BuildTables()
    {
        var t = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            t[n] = c;
        }

        for (var n = 0; n < 256; n++)
        {
            for (var k = 1; k < 8; k++)
            {
                var previous = t[((k - 1) * 256) + n];
                t[(k * 256) + n] = (previous >> 8) ^ t[previous & 0xFF];
            }
        }

        return t;
    }

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var t = Table.AsSpan();
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var lo = crc ^ BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var hi = BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            crc = t[(7 * 256) + (int)(lo & 0xFF)] ^ t[(6 * 256) + (int)((lo >> 8) & 0xFF)]
                ^ t[(5 * 256) + (int)((lo >> 16) & 0xFF)] ^ t[(4 * 256) + (int)(lo >> 24)]
                ^ t[(3 * 256) + (int)(hi & 0xFF)] ^ t[(2 * 256) + (int)((hi >> 8) & 0xFF)]
                ^ t[256 + (int)((hi >> 16) & 0xFF)] ^ t[(int)(hi >> 24)];
        }

        for (; i < data.Length; i++)
        {
            crc = t[(int)((crc ^ data[i]) & 0xFF)] ^ (crc >> 8);
        }

        return crc;
    }
}
