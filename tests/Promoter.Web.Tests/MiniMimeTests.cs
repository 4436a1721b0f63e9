using Promoter.Host.Web;

namespace Promoter.Web.Tests;

/// <summary>The playground's e-mail decoding: what MimeKit writes (encoded words, base64, quoted-printable, nested multiparts).</summary>
public sealed class MiniMimeTests
{
    [Theory]
    [InlineData("=?utf-8?b?W0ZJUklOR10g6L+Q57u0?=", "[FIRING] 运维")]
    [InlineData("[FIRING:1] Disk =?utf-8?q?full_=E2=80=94_node1?=", "[FIRING:1] Disk full — node1")]
    [InlineData("=?utf-8?b?6L+Q?= =?utf-8?b?57u0?=", "运维")] // white space between two encoded words is dropped (RFC 2047 6.2)
    [InlineData("plain subject", "plain subject")]
    public void DecodeWords_EncodedSubject_Decoded(string header, string expected) =>
        Assert.Equal(expected, MiniMime.DecodeWords(header));

    [Fact]
    public void Decode_RelatedInsideAlternative_HtmlAndTextPartsDecoded()
    {
        var message = string.Join("\r\n",
            "Subject: =?utf-8?b?W0ZJUklOR10g6L+Q57u0?=",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"outer\"",
            "",
            "--outer",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Convert.ToBase64String("磁盘 full\n"u8.ToArray()),
            "--outer",
            "Content-Type: multipart/related; boundary=inner",
            "",
            "--inner",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<p style=3D\"color:red\">=E7=A3=81=E7=9B=98 a very long line that was wrapped by the=",
            " encoder</p>",
            "--inner",
            "Content-Type: image/png",
            "Content-Transfer-Encoding: base64",
            "",
            "iVBORw0KGgo=",
            "--inner--",
            "--outer--",
            "");

        var view = MiniMime.Decode(message);

        Assert.Equal("[FIRING] 运维", view.Subject);
        Assert.Equal("磁盘 full\n", view.Text);
        Assert.Equal("<p style=\"color:red\">磁盘 a very long line that was wrapped by the encoder</p>", view.Html?.TrimEnd());
    }
}
