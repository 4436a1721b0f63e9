using System.Text;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Testing.Storage;

namespace Promoter.Storage.LocalNginx.Tests;

/// <summary>The shared validator every store calls (src/Abstractions/Storage/ImageContent.cs).</summary>
public sealed class ImageContentTests
{
    public static TheoryData<string, byte[], string, ImageFormat> Accepted => new()
    {
        { "librsvg png", SampleImages.ChartPng, "image/png", ImageFormat.Png },
        { "png without content type", SampleImages.ChartPng, "", ImageFormat.Png },
        { "png with ancillary text chunk", SampleImages.Png(1, padding: 100), "image/png", ImageFormat.Png },
        { "chart svg", SampleImages.ChartSvg, "image/svg+xml", ImageFormat.Svg },
        { "svg with charset parameter", SampleImages.Svg(3), "image/svg+xml; charset=utf-8", ImageFormat.Svg },
        { "svg with bom", [0xEF, 0xBB, 0xBF, .. SampleImages.Svg(4)], "IMAGE/SVG+XML", ImageFormat.Svg },
        { "svg with internal references", Encoding.UTF8.GetBytes(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><defs><path id=\"p\" d=\"M0 0L1 1\"/></defs><use xlink:href=\"#p\" style=\"clip-path:url(#p)\"/></svg>"),
            "image/svg+xml", ImageFormat.Svg },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Validate_RendererOutput_ReturnsItsFormat(string name, byte[] content, string contentType, ImageFormat expected)
    {
        Assert.True(expected == ImageContent.Validate(content, contentType), name);
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public void Validate_NotAnImage_ThrowsImageRejected(string name, byte[] content, string contentType)
    {
        var e = Assert.Throws<ImageRejectedException>(() => ImageContent.Validate(content, contentType));

        Assert.False(string.IsNullOrWhiteSpace(e.Message), name);
    }

    public static TheoryData<string, byte[], string> NotImages => SampleImages.NotImages;

    [Theory]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></foreignObject></svg>", "foreignObject")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(https://evil.example/a.css);</style></svg>", "external")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill=\"url(https://evil.example/x)\"/></svg>", "outside")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><a href=\"javascript:alert(1)\"><text>x</text></a></svg>", "references")]
    [InlineData("<?xml-stylesheet href=\"https://evil.example/a.css\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", "processing instruction")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/>", "well-formed")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"/><svg xmlns=\"http://www.w3.org/2000/svg\"/>", "well-formed")]
    public void Validate_UnsafeSvg_SaysWhatIsWrong(string svg, string expected)
    {
        var e = Assert.Throws<ImageRejectedException>(() => ImageContent.Validate(Encoding.UTF8.GetBytes(svg), "image/svg+xml"));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OverTheCap_NamesSizeAndCap()
    {
        var png = SampleImages.Png(5, padding: 2000);

        var e = Assert.Throws<ImageRejectedException>(() => ImageContent.Validate(png, "image/png", maxBytes: 1000));

        Assert.Contains($"{png.Length} bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("1000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EveryTruncation_IsRejected()
    {
        var png = SampleImages.ChartPng;
        for (var length = 0; length < png.Length; length += 97)
        {
            Assert.Throws<ImageRejectedException>(() => ImageContent.Validate(png.AsSpan(0, length), "image/png"));
        }
    }
}
