using System.Buffers.Binary;
using System.Xml;
using Promoter.Abstractions.Rendering;

using Promoter.Abstractions.Storage;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// What a store accepts: a PNG or an SVG that a renderer produced, verified by signature and structure,
/// under a size cap. Stores call <see cref="Validate"/> before writing anything, so that a store never
/// serves whatever bytes it was handed (an HTML page, a script, a truncated download) from a trusted host.
/// </summary>
public static class ImageContent
{
    /// <summary>The default size cap: 10 MiB, far above a chart (tens of KiB) and below anything abusive.</summary>
    public const long DefaultMaxBytes = 10L * 1024 * 1024;

    public const string PngMediaType = "image/png";
    public const string SvgMediaType = "image/svg+xml";

    private const string SvgNamespace = "http://www.w3.org/2000/svg";
    private const string XLinkNamespace = "http://www.w3.org/1999/xlink";

    // PNG spec (ISO/IEC 15948) 5.2: the 8-byte signature.
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The file extension without a dot: <c>png</c> or <c>svg</c>.</summary>
    public static string Extension(ImageFormat format) => format == ImageFormat.Svg ? "svg" : "png";

    /// <summary>The media type to store and serve the image with.</summary>
    public static string MediaType(ImageFormat format) => format == ImageFormat.Svg ? SvgMediaType : PngMediaType;

    /// <summary>
    /// Checks that <paramref name="content"/> is a well-formed PNG or a safe SVG matching
    /// <paramref name="contentType"/>, no larger than <paramref name="maxBytes"/>.
    /// </summary>
    /// <exception cref="ImageRejectedException">The content is anything else; the message says what is wrong.</exception>
    public static ImageFormat Validate(ReadOnlySpan<byte> content, string? contentType, long maxBytes = DefaultMaxBytes)
    {
        if (content.IsEmpty)
        {
            throw new ImageRejectedException("the image is empty (0 bytes)");
        }

        if (content.Length > maxBytes)
        {
            throw new ImageRejectedException(
                $"the image is {content.Length} bytes, over the store's limit of {maxBytes} bytes (raise max_size if charts are really this large)");
        }

        var declared = ParseContentType(contentType);
        var actual = content.StartsWith(PngSignature) ? ImageFormat.Png : ImageFormat.Svg;
        if (declared is { } d && d != actual && actual == ImageFormat.Png)
        {
            throw new ImageRejectedException($"the content type is '{contentType}' but the content is a PNG");
        }

        switch (declared ?? actual)
        {
            case ImageFormat.Png:
                ValidatePng(content);
                return ImageFormat.Png;
            default:
                ValidateSvg(content);
                return ImageFormat.Svg;
        }
    }

    private static ImageFormat? ParseContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        // Parameters such as "; charset=utf-8" do not change the format.
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        if (media.Equals(PngMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return ImageFormat.Png;
        }

        if (media.Equals(SvgMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return ImageFormat.Svg;
        }

        throw new ImageRejectedException(
            $"the content type '{Printable(contentType)}' is not accepted: a store keeps only {PngMediaType} and {SvgMediaType}");
    }

    private static void ValidatePng(ReadOnlySpan<byte> content)
    {
        if (!content.StartsWith(PngSignature))
        {
            throw new ImageRejectedException("the content is not a PNG: it does not start with the PNG signature");
        }

        // Walk the chunks (PNG spec 5.3): length, type, data, CRC. IHDR must come first (5.6), at least one
        // IDAT must hold the pixels, and IEND must end the file: bytes after it are how image/HTML
        // polyglots are smuggled, and a missing IEND means a truncated upload.
        var offset = PngSignature.Length;
        var index = 0;
        var sawIdat = false;
        while (true)
        {
            if (content.Length - offset < 12)
            {
                throw new ImageRejectedException($"the PNG is truncated: chunk {index} at byte {offset} is incomplete and there is no IEND chunk");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(content[offset..]);
            var type = content.Slice(offset + 4, 4);
            if (length > int.MaxValue || content.Length - offset - 12 < (long)length)
            {
                throw new ImageRejectedException($"the PNG is truncated: chunk {index} ({Printable(type)}) claims {length} bytes past the end of the content");
            }

            foreach (var b in type)
            {
                if (!char.IsAsciiLetter((char)b))
                {
                    throw new ImageRejectedException($"the PNG is corrupt: chunk {index} at byte {offset} has an invalid type");
                }
            }

            var expectedCrc = BinaryPrimitives.ReadUInt32BigEndian(content[(offset + 8 + (int)length)..]);
            if (Crc32(content.Slice(offset + 4, 4 + (int)length)) != expectedCrc)
            {
                throw new ImageRejectedException($"the PNG is corrupt: chunk {index} ({Printable(type)}) fails its CRC check");
            }

            if (index == 0)
            {
                if (!type.SequenceEqual("IHDR"u8) || length != 13)
                {
                    throw new ImageRejectedException("the PNG is corrupt: the first chunk is not a 13-byte IHDR");
                }

                var width = BinaryPrimitives.ReadUInt32BigEndian(content[(offset + 8)..]);
                var height = BinaryPrimitives.ReadUInt32BigEndian(content[(offset + 12)..]);
                if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
                {
                    throw new ImageRejectedException($"the PNG has invalid dimensions {width}x{height}");
                }
            }
            else if (type.SequenceEqual("IHDR"u8))
            {
                throw new ImageRejectedException("the PNG is corrupt: it has a second IHDR chunk");
            }

            sawIdat |= type.SequenceEqual("IDAT"u8);
            offset += 12 + (int)length;
            index++;
            if (type.SequenceEqual("IEND"u8))
            {
                break;
            }
        }

        if (!sawIdat)
        {
            throw new ImageRejectedException("the PNG has no image data (no IDAT chunk)");
        }

        if (offset != content.Length)
        {
            throw new ImageRejectedException($"the PNG has {content.Length - offset} unexpected bytes after its IEND chunk");
        }
    }

    private static void ValidateSvg(ReadOnlySpan<byte> content)
    {
        var settings = new XmlReaderSettings
        {
            // No DOCTYPE at all: entities are how "billion laughs" and external-entity reads get in.
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreWhitespace = true,
            MaxCharactersInDocument = content.Length * 4L + 1024,
        };

        var sawRoot = false;
        try
        {
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, settings);
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        if (!sawRoot)
                        {
                            if (reader.LocalName != "svg" || reader.NamespaceURI != SvgNamespace)
                            {
                                throw new ImageRejectedException(
                                    $"the content is not an SVG: its root element is <{Printable(reader.Name)}> in namespace '{Printable(reader.NamespaceURI)}', expected <svg> in {SvgNamespace}");
                            }

                            sawRoot = true;
                        }

                        CheckSvgElement(reader);
                        break;
                    case XmlNodeType.ProcessingInstruction:
                        // <?xml-stylesheet?> loads an external stylesheet.
                        throw new ImageRejectedException($"the SVG contains a processing instruction <?{Printable(reader.Name)}?>, which a chart never has");
                    case XmlNodeType.Text or XmlNodeType.CDATA when reader.Depth == 0:
                        throw new ImageRejectedException("the content is not an SVG: it has text outside the root element");
                    case XmlNodeType.Text or XmlNodeType.CDATA:
                        CheckCss(reader.Value, "text content");
                        break;
                }
            }
        }
        catch (XmlException e)
        {
            throw new ImageRejectedException($"the content is not an SVG: it is not well-formed XML ({e.Message})", e);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new ImageRejectedException("the content is not an SVG: it is not valid UTF-8/UTF-16 text", e);
        }

        if (!sawRoot)
        {
            throw new ImageRejectedException("the content is not an SVG: it has no root element");
        }
    }

    private static void CheckSvgElement(XmlReader reader)
    {
        var name = reader.LocalName;
        if (reader.NamespaceURI != SvgNamespace)
        {
            // HTML in a foreign namespace, or anything else a browser might execute.
            throw new ImageRejectedException($"the SVG contains <{Printable(reader.Name)}> from namespace '{Printable(reader.NamespaceURI)}'; only SVG elements are accepted");
        }

        if (name is "script" or "foreignObject" or "iframe" or "embed" or "object" or "handler" or "listener")
        {
            throw new ImageRejectedException($"the SVG contains a <{name}> element, which can run code or load content; a chart never has one");
        }

        if (!reader.MoveToFirstAttribute())
        {
            return;
        }

        do
        {
            var attr = reader.LocalName;
            var value = reader.Value;
            if (attr.StartsWith("on", StringComparison.OrdinalIgnoreCase) && reader.NamespaceURI.Length == 0)
            {
                throw new ImageRejectedException($"the SVG element <{name}> has an event handler attribute '{Printable(attr)}'");
            }

            var isHref = attr == "href" && (reader.NamespaceURI.Length == 0 || reader.NamespaceURI == XLinkNamespace);
            if (isHref && !IsInternalReference(value))
            {
                throw new ImageRejectedException($"the SVG element <{name}> references '{Printable(value)}'; only references inside the document (#id) are accepted");
            }

            if (!isHref && reader.Prefix != "xmlns" && attr != "xmlns")
            {
                CheckCss(value, $"attribute '{attr}' of <{name}>");
            }
        }
        while (reader.MoveToNextAttribute());

        reader.MoveToElement();
    }

    private static bool IsInternalReference(string value)
    {
        var v = value.Trim();
        return v.StartsWith('#')
               || v.StartsWith("data:image/png;base64,", StringComparison.OrdinalIgnoreCase);
    }

    private static void CheckCss(string value, string where)
    {
        // url(...) may point outside the document (a tracking pixel, a remote font) and @import loads a
        // stylesheet; charts only use url(#clip) references.
        if (value.Contains("@import", StringComparison.OrdinalIgnoreCase)
            || value.Contains("javascript:", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageRejectedException($"the SVG {where} loads external content or code");
        }

        var i = 0;
        while ((i = value.IndexOf("url(", i, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var target = value.AsSpan(i + 4).TrimStart().TrimStart("'\"");
            if (!target.StartsWith("#"))
            {
                throw new ImageRejectedException($"the SVG {where} has a url(...) that points outside the document");
            }

            i += 4;
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '?';
        }

        return new string(chars);
    }

    private static string Printable(string s)
    {
        var shortened = s.Length > 60 ? s[..60] + "…" : s;
        return string.Create(shortened.Length, shortened, static (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                span[i] = char.IsControl(src[i]) ? '?' : src[i];
            }
        });
    }

    // The CRC-32 of PNG spec Annex D (the zlib/ISO 3309 polynomial); System.IO.Hashing is not available here.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
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
}
