using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Channel.Email.Tests;

/// <summary>
/// The e-mail channel against a real SMTP server (aiosmtpd): what arrives parses as MIME with the charts
/// inline, TLS (STARTTLS and implicit) and AUTH work, and the server's reply codes are classified.
/// </summary>
public sealed partial class EmailChannelTests : IDisposable
{
    private readonly string _passwordFile;

    public EmailChannelTests()
    {
        _passwordFile = Path.GetTempFileName();
        File.WriteAllText(_passwordFile, SmtpTestServer.Password + "\n");
    }

    public void Dispose() => File.Delete(_passwordFile);

    private SettingsMapping Settings(SmtpTestServer server, string tls, bool auth, params (string Key, object? Value)[] extra)
    {
        var pairs = new List<(string, object?)>
        {
            ("host", "127.0.0.1"), ("port", server.Port), ("tls", tls), ("from", "Promoter <alerts@example.com>"),
            ("to", new[] { "ops@example.com", "sre@example.com" }), ("timeout", "15s"),
        };
        if (tls != "none")
        {
            pairs.Add(("ca_file", SmtpTestServer.CertificatePath));
        }

        if (auth)
        {
            pairs.Add(("username", SmtpTestServer.User));
            pairs.Add(("password_file", _passwordFile));
        }

        pairs.AddRange(extra);
        return SettingsBuilder.FromPairs([.. pairs]);
    }

    private static Notification WithCharts(AlertGroup group, bool bytes = true, string deliveryId = "delivery-1", string? previous = null)
    {
        var png = SampleImages.ChartPng;
        return new Notification
        {
            DeliveryId = deliveryId,
            Group = group,
            PreviousMessageId = previous,
            Images = group.Alerts.Select((a, i) => new NotificationImage
            {
                AlertIndex = i,
                Title = $"{a.Name} > threshold",
                Url = new Uri($"https://images.example.com/charts/{i}.png"),
                IsUrlPublic = !bytes,
                Content = bytes ? png : default,
            }).ToList(),
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    private static async Task<(DeliveryResult Result, ChannelTestContext Context)> SendAsync(SettingsMapping settings, Notification notification)
    {
        var context = new ChannelTestContext(new EmailPlugin(), templates: new GoEngineTemplates());
        var channel = context.Create("email", settings);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return (await channel.SendAsync(notification, cts.Token), context);
    }

    private static void AssertNoSecret(DeliveryResult result, ChannelTestContext context)
    {
        Assert.DoesNotContain(SmtpTestServer.Password, result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SmtpTestServer.Password, context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_StartTlsWithAuth_MimeWithPlainTextAndHtmlReferencingInlinePngs()
    {
        await using var server = await SmtpTestServer.StartAsync("starttls", auth: true);
        var group = AlertGroupSamples.FiringSingle;
        var (result, context) = await SendAsync(Settings(server, "starttls", auth: true), WithCharts(group));
        using var _ = context;

        Assert.True(result.IsSuccess, result.ToString());
        var mail = Assert.Single(server.Received());
        Assert.True(mail.Tls, "the message went over a plain connection");
        Assert.Equal(SmtpTestServer.User, mail.Login);
        Assert.Equal("alerts@example.com", mail.MailFrom);
        Assert.Equal(["ops@example.com", "sre@example.com"], mail.RcptTos);
        var m = mail.Message;
        Assert.Equal(result.MessageId, m.MessageId);
        Assert.StartsWith("[FIRING:1] ", m.Subject, StringComparison.Ordinal);

        // multipart/alternative: text/plain first (least preferred), then multipart/related (HTML + images).
        var alternative = Assert.IsType<MultipartAlternative>(m.Body);
        Assert.Equal(2, alternative.Count);
        var plain = Assert.IsType<TextPart>(alternative[0]);
        Assert.True(plain.IsPlain);
        Assert.Contains(group.Alerts[0].Name, plain.Text, StringComparison.Ordinal);
        var related = Assert.IsType<MultipartRelated>(alternative[1]);
        var html = Assert.IsType<TextPart>(related.Root);
        Assert.True(html.IsHtml);
        var images = related.OfType<MimePart>().Where(p => p.ContentType.MimeType == "image/png").ToList();
        Assert.Equal(group.Alerts.Count, images.Count);
        foreach (var image in images)
        {
            Assert.False(string.IsNullOrEmpty(image.ContentId));
            Assert.Contains($"src=\"cid:{image.ContentId}\"", html.Text, StringComparison.Ordinal);
            using var bytes = new MemoryStream();
            await image.Content!.DecodeToAsync(bytes);
            AssertValidPng(bytes.ToArray());
            Assert.Equal(SampleImages.ChartPng, bytes.ToArray());
        }

        // Every cid: the HTML refers to is a part of the message.
        foreach (Match cid in CidReference().Matches(html.Text))
        {
            Assert.Contains(images, p => p.ContentId == cid.Groups[1].Value);
        }

        AssertNoSecret(result, context);
    }

    [Fact]
    public async Task Send_ImplicitTlsWithAuth_Delivered()
    {
        await using var server = await SmtpTestServer.StartAsync("implicit", auth: true);
        var (result, context) = await SendAsync(Settings(server, "implicit", auth: true), WithCharts(AlertGroupSamples.FiringSingle));
        using var _ = context;

        Assert.True(result.IsSuccess, result.ToString());
        var mail = Assert.Single(server.Received());
        Assert.True(mail.Tls);
        Assert.Equal(SmtpTestServer.User, mail.Login);
    }

    [Fact]
    public async Task Send_WrongPassword_AuthFailureWithoutSecret()
    {
        await using var server = await SmtpTestServer.StartAsync("starttls", auth: true);
        File.WriteAllText(_passwordFile, "wrong-" + SmtpTestServer.Password);
        var (result, context) = await SendAsync(Settings(server, "starttls", auth: true), WithCharts(AlertGroupSamples.FiringSingle));
        using var _ = context;

        Assert.Equal(FailureReason.Auth, result.Failure);
        Assert.Contains("username and password_file", result.Message, StringComparison.Ordinal);
        Assert.Empty(server.Received());
        Assert.DoesNotContain("wrong-" + SmtpTestServer.Password, result.ToString() + context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CertificateNotTrusted_PermanentNamingCaFile()
    {
        await using var server = await SmtpTestServer.StartAsync("implicit", auth: true);
        var settings = Settings(server, "implicit", auth: true);
        var withoutCa = SettingsBuilder.FromDictionary(settings.Entries.Where(e => e.Key != "ca_file").Select(e => new KeyValuePair<string, object?>(e.Key, e.Value)));
        var (result, context) = await SendAsync(withoutCa, WithCharts(AlertGroupSamples.FiringSingle));
        using var _ = context;

        Assert.Equal(FailureReason.Permanent, result.Failure);
        Assert.Contains("ca_file", result.Message, StringComparison.Ordinal);
        Assert.Empty(server.Received());
        AssertNoSecret(result, context);
    }

    [Fact]
    public async Task Send_StartTlsRequiredButNotOffered_PermanentAndNothingSent()
    {
        await using var server = await SmtpTestServer.StartAsync("none");
        var (result, context) = await SendAsync(Settings(server, "starttls", auth: false), WithCharts(AlertGroupSamples.FiringSingle));
        using var _ = context;

        Assert.Equal(FailureReason.Permanent, result.Failure);
        Assert.Contains("STARTTLS", result.Message, StringComparison.Ordinal);
        Assert.Empty(server.Received());
    }

    public static TheoryData<string, string, FailureReason, int> Replies() => new()
    {
        { "rcpt", "550 5.1.1 No such user here", FailureReason.Permanent, 550 },
        { "rcpt", "450 4.2.1 Mailbox busy, try later", FailureReason.Transient, 450 },
        { "mail", "451 4.3.0 Local error in processing", FailureReason.Transient, 451 },
        { "mail", "421 4.3.2 Service shutting down", FailureReason.Transient, 421 },
        { "mail", "530 5.7.0 Authentication required", FailureReason.Auth, 530 },
        { "data", "554 5.7.1 Message rejected as spam", FailureReason.Permanent, 554 },
        { "data", "552 5.3.4 Message size exceeds fixed limit", FailureReason.InvalidRequest, 552 },
        { "data", "452 4.3.1 Insufficient system storage", FailureReason.Transient, 452 },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task Send_ServerReplyCode_ClassifiedByRfc5321Class(string stage, string reply, FailureReason expected, int code)
    {
        await using var server = await SmtpTestServer.StartAsync("none", false, (stage, reply));
        var (result, context) = await SendAsync(Settings(server, "none", auth: false), WithCharts(AlertGroupSamples.FiringSingle));
        using var _ = context;

        Assert.Equal(expected, result.Failure);
        Assert.Equal(code, result.StatusCode);
        Assert.Equal(expected is FailureReason.Transient, result.IsRetryable);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Message, StringComparison.Ordinal);
        Assert.Empty(server.Received());
    }

    [Fact]
    public async Task Send_ChartWithoutBytes_LinkedByUrlAndNoInlinePart()
    {
        await using var server = await SmtpTestServer.StartAsync("none");
        var (result, context) = await SendAsync(Settings(server, "none", auth: false), WithCharts(AlertGroupSamples.FiringSingle, bytes: false));
        using var _ = context;

        Assert.True(result.IsSuccess, result.ToString());
        var m = Assert.Single(server.Received()).Message;
        Assert.DoesNotContain(m.BodyParts.OfType<MimePart>(), p => p.ContentType.MediaType == "image");
        Assert.Contains("src=\"https://images.example.com/charts/0.png\"", m.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ResolvedAfterFiring_ThreadsUnderFiringMessage()
    {
        await using var server = await SmtpTestServer.StartAsync("none");
        var settings = Settings(server, "none", auth: false);
        var (firing, c1) = await SendAsync(settings, WithCharts(AlertGroupSamples.FiringSingle, deliveryId: "d-firing"));
        using var _1 = c1;
        var (resolved, c2) = await SendAsync(settings, WithCharts(AlertGroupSamples.Resolved, deliveryId: "d-resolved", previous: firing.MessageId));
        using var _2 = c2;

        Assert.True(firing.IsSuccess && resolved.IsSuccess, $"{firing} / {resolved}");
        var received = server.Received();
        Assert.Equal(2, received.Count);
        Assert.Equal(firing.MessageId, received[1].Message.InReplyTo);
        Assert.Contains(firing.MessageId!, received[1].Message.References);
        Assert.StartsWith("[RESOLVED] ", received[1].Message.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_LangZhAndCustomHeaders_ChineseSubjectAndHeadersKept()
    {
        await using var server = await SmtpTestServer.StartAsync("none");
        var settings = Settings(server, "none", auth: false, ("lang", "zh"), ("headers", new Dictionary<string, string> { ["X-Team"] = "运维", ["Reply-To"] = "noc@example.com" }));
        var (result, context) = await SendAsync(settings, WithCharts(AlertGroupSamples.FiringSingle));
        using var _ = context;

        Assert.True(result.IsSuccess, result.ToString());
        var m = Assert.Single(server.Received()).Message;
        Assert.StartsWith("[告警:1] ", m.Subject, StringComparison.Ordinal);
        Assert.Equal("运维", m.Headers["X-Team"]);
        Assert.Equal("noc@example.com", m.ReplyTo.Mailboxes.Single().Address);
        Assert.Contains("开始于", m.HtmlBody, StringComparison.Ordinal);
    }

    /// <summary>A PNG that decoders accept: signature, chunks with correct CRCs, IHDR first, IEND last, and IDAT
    /// data that inflates to exactly the rows IHDR announces.</summary>
    private static void AssertValidPng(byte[] png)
    {
        Assert.True(png.AsSpan().StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "no PNG signature");
        var pos = 8;
        var chunks = new List<string>();
        using var idat = new MemoryStream();
        int width = 0, height = 0, bytesPerPixel = 0;
        while (pos < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(Crc32(png.AsSpan(pos + 4, length + 4)), crc);
            chunks.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var channels = data[9] switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
                Assert.Equal(8, data[8]);
                bytesPerPixel = channels;
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            pos += 12 + length;
        }

        Assert.Equal("IHDR", chunks[0]);
        Assert.Equal("IEND", chunks[^1]);
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }

        Assert.Equal((long)height * (1 + (width * bytesPerPixel)), inflated.Length);
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    [GeneratedRegex("cid:([^\"' >]+)")]
    private static partial Regex CidReference();
}
