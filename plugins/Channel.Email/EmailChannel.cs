using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Email;

/// <summary>
/// Sends a notification as one e-mail over SMTP (RFC 5321) with MailKit: connect (implicit TLS or
/// STARTTLS, RFC 8314 / RFC 3207), AUTH when a username is configured (RFC 4954), MAIL FROM / RCPT TO /
/// DATA, QUIT. The whole exchange runs under the configured timeout. Reply codes are classified as RFC 5321
/// 4.2.1 defines them: 4xx is a transient condition (retried), 5xx permanent, with 530/534/535/538
/// (RFC 4954 6) as credential problems and 552 as a message the server will not take at this size.
/// </summary>
internal sealed class EmailChannel : IChannel
{
    private readonly EmailOptions _options;
    private readonly EmailMessageComposer _composer;
    private readonly SecretRedactor _redactor;
    private readonly ILogger _logger;

    public EmailChannel(string name, EmailOptions options, EmailMessageComposer composer, SecretRedactor redactor, ILogger logger)
    {
        Name = name;
        _options = options;
        _composer = composer;
        _redactor = redactor;
        _logger = logger;
    }

    public string Name { get; }

    /// <summary>Charts are embedded in the message (cid:), so the host hands over their bytes.</summary>
    public bool UploadsImages => true;

    private string Server => $"SMTP server {_options.Host}:{_options.Port}";

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var composed = _composer.Compose(notification);
        var message = composed.Message;
        var size = Measure(message);
        if (size > _options.MaxMessageBytes)
        {
            return Failed(DeliveryResult.Invalid($"the message is {size} bytes, more than max_message_size ({_options.MaxMessageBytes}); shorten the template"));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var certificateRejected = false;
        using var client = new SmtpClient
        {
            // MailKit's own socket timeout is a backstop only: the linked token below is what bounds the send, so that a
            // slow server always yields the same "timed out" answer however the two timers race on a loaded machine.
            Timeout = (int)Math.Ceiling((_options.Timeout + TimeSpan.FromSeconds(5)).TotalMilliseconds),
            LocalDomain = _options.Hello,
            ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                var ok = ValidateCertificate(certificate, errors);
                certificateRejected |= !ok;
                return ok;
            },
        };
        var stage = "connecting to";
        try
        {
            var secure = _options.Tls switch
            {
                EmailTls.Implicit => SecureSocketOptions.SslOnConnect,
                EmailTls.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls, // fails when the server does not offer STARTTLS
            };
            await client.ConnectAsync(_options.Host, _options.Port, secure, timeout.Token).ConfigureAwait(false);
            if (_options.Username is not null)
            {
                stage = "authenticating with";
                if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                {
                    return Failed(DeliveryResult.Auth($"{Server} does not offer AUTH, but a username is configured; remove username/password or use the server's submission port"));
                }

                await client.AuthenticateAsync(_options.Username, _options.Password ?? "", timeout.Token).ConfigureAwait(false);
            }

            stage = "sending to";
            await client.SendAsync(message, timeout.Token).ConfigureAwait(false);
            stage = "closing the connection to";
            await client.DisconnectAsync(true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested)
        {
            // MailKit may surface a cancelled TLS handshake as an SslHandshakeException: the caller's cancellation wins.
            throw e as OperationCanceledException ?? new OperationCanceledException("the send was cancelled", e, cancellationToken);
        }
        catch (Exception e) when (timeout.IsCancellationRequested || e is TimeoutException || e.InnerException is TimeoutException)
        {
            return Failed(DeliveryResult.Transient($"{Server} did not finish within {_options.Timeout.TotalSeconds:0.###}s while {stage} it (timed out); the message will be retried"));
        }
        catch (SmtpCommandException e)
        {
            return Failed(Classify(e));
        }
        catch (ServiceNotAuthenticatedException e)
        {
            // MailKit's exception for a 530 reply (RFC 4954 6: authentication required) to MAIL FROM.
            return Failed(DeliveryResult.Auth($"{Server} answered 530 (authentication required): {Clean(e.Message)}; set username and password_file") with { StatusCode = 530 });
        }
        catch (AuthenticationException e)
        {
            return Failed(DeliveryResult.Auth($"{Server} refused the credentials of user '{_options.Username}': {Clean(e.Message)}; check username and password_file"));
        }
        catch (SslHandshakeException e) when (certificateRejected)
        {
            _ = e;
            return Failed(DeliveryResult.Permanent($"{Server}'s TLS certificate is not trusted (or not issued for {_options.Host}); " +
                "set ca_file to the CA that signed it, or fix the host name"));
        }
        catch (SslHandshakeException e)
        {
            return Failed(DeliveryResult.Transient($"TLS handshake with {Server} failed: {Clean(e.Message)}"));
        }
        catch (NotSupportedException e) when (_options.Tls == EmailTls.StartTls && stage == "connecting to")
        {
            _ = e;
            return Failed(DeliveryResult.Permanent($"{Server} does not offer STARTTLS; use tls: implicit (port 465) or, for a local relay only, tls: none"));
        }
        catch (Exception e) when (e is SmtpProtocolException or ServiceNotConnectedException or ProtocolException or IOException or SocketException)
        {
            return Failed(DeliveryResult.Transient($"error while {stage} {Server}: {Clean(e.Message)}"));
        }

        var id = message.MessageId ?? "";
        EmailLog.Sent(_logger, Name, id, _options.To.Count, $"{_options.Host}:{_options.Port}", size, composed.InlineCharts);
        return DeliveryResult.Success(id);
    }

    private DeliveryResult Failed(DeliveryResult result)
    {
        EmailLog.SendFailed(_logger, Name, result.ToString());
        return result;
    }

    private DeliveryResult Classify(SmtpCommandException e)
    {
        var code = (int)e.StatusCode;
        var what = e.ErrorCode switch
        {
            SmtpErrorCode.RecipientNotAccepted => $"refused recipient {e.Mailbox?.Address}",
            SmtpErrorCode.SenderNotAccepted => $"refused sender {e.Mailbox?.Address}",
            SmtpErrorCode.MessageNotAccepted => "refused the message",
            _ => "answered",
        };
        var detail = $"{Server} {what}: {code} {Clean(e.Message)}";
        var result = code switch
        {
            // RFC 4954 6: 530 authentication required, 534 mechanism too weak, 535 credentials invalid, 538 encryption required.
            530 or 534 or 535 or 538 => DeliveryResult.Auth(detail + "; check username, password_file and tls"),
            // RFC 5321 4.5.3.1.10: 552 too much mail data.
            552 => DeliveryResult.Invalid(detail + "; the message is too large for this server (lower max_message_size or send fewer charts)"),
            >= 400 and < 500 => DeliveryResult.Transient(detail),
            _ => DeliveryResult.Permanent(detail),
        };
        return result with { StatusCode = code };
    }

    private string Clean(string message) => _redactor.Redact(message.ReplaceLineEndings(" ").Trim());

    private bool ValidateCertificate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_options.InsecureSkipVerify || errors == SslPolicyErrors.None)
        {
            return true;
        }

        // A private CA (ca_file) may vouch for the chain; the name must still match.
        if (_options.CaCertificates is { Count: > 0 } ca && certificate is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var cert = new X509Certificate2(certificate);
            return chain.Build(cert);
        }

        return false;
    }

    private static long Measure(MimeMessage message)
    {
        using var counter = new CountingStream();
        message.WriteTo(counter);
        return counter.Length;
    }

    /// <summary>Counts the bytes written without keeping them.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
    }
}
