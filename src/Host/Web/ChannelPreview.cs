using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Host.Plugins;
using Promoter.Host.Runtime;

namespace Promoter.Host.Web;

/// <summary>One request a channel made while previewing: what it would have posted to its service.</summary>
internal sealed record CapturedRequest(string Method, string Url, string? ContentType, string Body, bool Truncated);

/// <summary>A decoded e-mail: what a mail client shows.</summary>
internal sealed record EmailView(string? Subject, string? Html, string? Text);

/// <summary>What the playground shows for one channel: the exact requests (or e-mail) and the channel's verdict.</summary>
internal sealed record ChannelPreviewResult(string Channel, string Type, string Field, IReadOnlyList<CapturedRequest> Requests,
    EmailView? Email, string? Note);

/// <summary>
/// Renders a notification "as the channel would show it" by running the channel's own code: a second instance of
/// the configured channel is built by its plugin's factory from the same settings, with the edited template in
/// place of the configured one, and asked to send. Its HTTP requests never leave the process (an in-memory handler
/// records them and answers as the services do), and an e-mail channel talks to a one-shot SMTP listener on
/// loopback. So the preview is the very payload the channel would post (DingTalk markdown, Slack blocks, a Feishu
/// card, a Teams Adaptive Card, the MIME e-mail), limits and truncation included, with every configured secret
/// masked. Nothing reaches a service, and nothing shows in the host's metrics or logs.
/// </summary>
internal static class ChannelPreview
{
    // Enough for Telegram's split messages and Slack's upload steps; a preview needs no more.
    private const int MaxRequests = 10;
    private const int MaxBodyChars = 256 * 1024;
    private const int MaxEmailBytes = 2 * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // Each preview builds a channel and may open a loopback listener: a few at a time is plenty for people typing.
    private static readonly SemaphoreSlim s_concurrent = new(4, 4);

    /// <summary>The template keys each channel type reads under <c>template:</c>; the first is the body edited by default.</summary>
    public static IReadOnlyList<string> TemplateFields(string type) => type switch
    {
        "email" => ["html", "subject", "text"],
        "webhook" => ["body"],
        "wecom" => ["text"],
        "log" => [],
        _ => ["text", "title"],
    };

    /// <param name="template">The text for <c>template.&lt;field&gt;</c>; null keeps the channel's own (configured or built-in) template.</param>
    public static async Task<(ChannelPreviewResult? Result, string? Error)> RunAsync(RuntimeHolder holder, string channelName, string? field,
        string? template, string? profile, AlertGroup group, CancellationToken ct)
    {
        var runtime = holder.Current;
        var section = runtime.Settings.Channels.FirstOrDefault(c => c.Name == channelName);
        if (section is null)
        {
            return (null, $"channel: '{channelName}' is not configured; configured: {string.Join(", ", runtime.Settings.Channels.Select(c => c.Name))}");
        }

        var fields = TemplateFields(section.Type);
        field ??= fields.FirstOrDefault();
        if (field is null || !fields.Contains(field))
        {
            return (null, fields.Count == 0
                ? $"channel: '{channelName}' (type {section.Type}) has no template to preview"
                : $"field: a {section.Type} channel's template has {string.Join(", ", fields)}, not '{field}'");
        }

        if (!holder.Catalog.Channels.TryGetValue(section.Type, out var registered))
        {
            return (null, $"channel: no loaded plugin handles type '{section.Type}'");
        }

        if (!await s_concurrent.WaitAsync(TimeSpan.FromSeconds(5), ct))
        {
            return (null, "too many previews at once; try again in a moment");
        }

        try
        {
            return await RunAsync(holder, runtime, section, registered, field, template, profile, group, ct);
        }
        finally
        {
            s_concurrent.Release();
        }
    }

    private static async Task<(ChannelPreviewResult? Result, string? Error)> RunAsync(RuntimeHolder holder, PromoterRuntime runtime,
        Configuration.PluginSection section, Registered<IChannelFactory> registered, string field, string? template, string? profile,
        AlertGroup group, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        await using var smtp = section.Type == "email" ? SmtpCapture.Start(MaxEmailBytes, timeout.Token) : null;
        var node = template is null ? section.Settings.Node : WithTemplate(section.Settings.Node, field, template, profile);
        if (smtp is not null)
        {
            node = ForLocalSmtp(node, smtp.Port);
        }

        var diagnostics = new ConfigDiagnostics();
        var settings = new PluginSettings(node, section.Settings.Path, diagnostics, holder.ReadSecretFile);
        using var capture = new CaptureHandler(MaxRequests, MaxBodyChars);
        using var meters = new PreviewMeterFactory();
        var services = new PreviewServices(registered.Services, new CaptureClientFactory(capture), meters);
        IChannel channel;
        try
        {
            channel = registered.Factory.Create(new ChannelSetup
            {
                Name = section.Name,
                Settings = settings,
                Templates = runtime.Templates,
                Services = services,
                PublicUrl = runtime.Settings.PublicUrlIsPublic ? runtime.Settings.PublicUrl : null,
            });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, runtime.Redactor.Redact($"the {section.Type} channel could not be built for the preview: {e.Message}"));
        }

        var redactor = new SecretRedactor(runtime.Secrets.Concat(settings.Secrets));
        if (diagnostics.HasErrors)
        {
            DisposeChannel(channel);
            return (null, redactor.Redact(string.Join("\n", diagnostics.Errors.Select(e => e.ToString()))));
        }

        string? note = null;
        try
        {
            var result = await channel.SendAsync(new Notification
            {
                DeliveryId = "preview-" + Guid.NewGuid().ToString("N"),
                Group = group,
                CreatedAt = DateTimeOffset.UtcNow,
            }, timeout.Token);
            // The stand-in accepts everything, so only a channel that refused before sending has something to say.
            if (!result.IsSuccess && capture.Requests.Count == 0 && smtp?.Message is not { IsCompletedSuccessfully: true })
            {
                note = redactor.Redact($"the channel would not send this ({result.Failure}): {result.Message}");
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            note = $"the channel did not finish within {Timeout.TotalSeconds:0} s; shown is what it had sent by then";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            note = redactor.Redact($"the channel failed: {e.Message}");
        }
        finally
        {
            DisposeChannel(channel);
        }

        EmailView? email = null;
        var requests = capture.Requests.Select(r => r with { Url = RedactUrl(redactor, r.Url), Body = redactor.Redact(r.Body) }).ToList();
        if (smtp is not null)
        {
            var raw = smtp.Message.IsCompletedSuccessfully ? smtp.Message.Result : null;
            if (raw is not null)
            {
                raw = redactor.Redact(raw);
                email = MiniMime.Decode(raw);
                var server = section.Settings.Node["host"] is SettingsScalar { Value: { } h } ? h : "?";
                requests.Add(new CapturedRequest("SMTP DATA", "smtp://" + server, "message/rfc822",
                    raw.Length > MaxBodyChars ? raw[..MaxBodyChars] : raw, raw.Length > MaxBodyChars));
            }
        }

        return (new ChannelPreviewResult(section.Name, section.Type, field, requests, email, note), null);
    }

    /// <summary>
    /// The service's address stays readable; tokens go. Channel URLs are configured as secrets whole (the robot's
    /// access_token, a Slack or Discord webhook path, a Teams signature), so when the URL holds one, every query value
    /// and every path segment that looks like an id or token (8+ characters with a digit, or 20+) is masked.
    /// </summary>
    private static string RedactUrl(SecretRedactor redactor, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || redactor.Redact(url) == url)
        {
            return redactor.Redact(url);
        }

        var path = string.Join('/', uri.AbsolutePath.Split('/')
            .Select(s => (s.Length >= 8 && s.Any(char.IsAsciiDigit)) || s.Length >= 20 ? "***" : s));
        var query = uri.Query.Length <= 1 ? "" : "?" + string.Join('&', uri.Query[1..].Split('&')
            .Select(p => p.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0 ? p[..(eq + 1)] + "***" : p));
        return redactor.Redact(uri.GetLeftPart(UriPartial.Authority) + path + query);
    }

    private static void DisposeChannel(IChannel channel)
    {
        switch (channel)
        {
            case IAsyncDisposable a:
                a.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(2));
                break;
            case IDisposable d:
                d.Dispose();
                break;
        }
    }

    /// <summary>The section with <c>template.&lt;field&gt;</c> (and the function set) replaced.</summary>
    internal static SettingsMapping WithTemplate(SettingsMapping node, string field, string text, string? profile)
    {
        var here = node.Location;
        var existing = node["template"] as SettingsMapping;
        var entries = (existing?.Entries ?? []).Where(e => e.Key != field && (profile is null || e.Key != "profile")).ToList();
        entries.Add(new(field, new SettingsScalar(text, existing?.Location ?? here)));
        if (profile is not null)
        {
            entries.Add(new("profile", new SettingsScalar(profile, existing?.Location ?? here)));
        }

        return Replace(node, ["template"], [new("template", new SettingsMapping(entries, existing?.Location ?? here))]);
    }

    /// <summary>An e-mail channel pointed at the loopback capture: plain SMTP, no login (the password never leaves).</summary>
    private static SettingsMapping ForLocalSmtp(SettingsMapping node, int port) => Replace(node,
        ["host", "port", "tls", "username", "password", "password_file", "ca_file", "tls_insecure_skip_verify", "timeout"],
        [
            new("host", new SettingsScalar("127.0.0.1", node.Location)),
            new("port", new SettingsScalar(port.ToString(System.Globalization.CultureInfo.InvariantCulture), node.Location)),
            new("tls", new SettingsScalar("none", node.Location)),
            new("timeout", new SettingsScalar("8s", node.Location)),
        ]);

    private static SettingsMapping Replace(SettingsMapping node, string[] remove, KeyValuePair<string, SettingsNode>[] add) =>
        node with { Entries = node.Entries.Where(e => !remove.Contains(e.Key)).Concat(add).ToList() };

    /// <summary>The plugin's services, but HTTP goes to the capture, meters to nobody, logs nowhere.</summary>
    private sealed class PreviewServices(IServiceProvider inner, IHttpClientFactory http, IMeterFactory meters) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IHttpClientFactory) ? http
            : serviceType == typeof(IMeterFactory) ? meters
            : serviceType == typeof(ILoggerFactory) ? NullLoggerFactory.Instance
            : serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(ILogger<>) ? Activator.CreateInstance(typeof(NullLogger<>).MakeGenericType(serviceType.GenericTypeArguments))
            : inner.GetService(serviceType);
    }

    /// <summary>Meters under a name the host's exporter does not collect (it takes only "Promoter…").</summary>
    private sealed class PreviewMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter("preview." + options.Name, options.Version);
            lock (_meters)
            {
                _meters.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            lock (_meters)
            {
                _meters.ForEach(m => m.Dispose());
            }
        }
    }

    private sealed class CaptureClientFactory(CaptureHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { Timeout = Timeout };
    }

    /// <summary>
    /// Records each request and answers as the services answer success, one body for all of them: DingTalk and
    /// WeCom read errcode 0, Feishu code 0 (and a tenant token), Slack and Telegram ok:true with a message id.
    /// </summary>
    private sealed class CaptureHandler(int maxRequests, int maxBodyChars) : HttpMessageHandler
    {
        private const string Success = """
            {"ok":true,"errcode":0,"errmsg":"ok","code":0,"msg":"success","StatusCode":0,"ts":"1700000000.000100","channel":"C0PREVIEW",
             "tenant_access_token":"t-preview","expire":7200,"id":"1","result":{"message_id":1,"chat":{"id":1},"date":0},
             "data":{"message_id":"om_preview","image_key":"img_preview"},"upload_url":"http://127.0.0.1:9/preview","file_id":"F0PREVIEW"}
            """;

        private readonly List<CapturedRequest> _requests = [];

        public IReadOnlyList<CapturedRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return _requests.ToList();
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = "";
            var truncated = false;
            if (request.Content is not null)
            {
                var mediaType = request.Content.Headers.ContentType?.MediaType ?? "";
                if (mediaType.StartsWith("multipart/", StringComparison.Ordinal) || mediaType.StartsWith("image/", StringComparison.Ordinal)
                    || mediaType == "application/octet-stream")
                {
                    body = $"({mediaType} body, not shown)";
                }
                else
                {
                    var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                    body = Encoding.UTF8.GetString(bytes);
                    if (body.Length > maxBodyChars)
                    {
                        body = body[..maxBodyChars];
                        truncated = true;
                    }
                }
            }

            lock (_requests)
            {
                if (_requests.Count >= maxRequests)
                {
                    throw new HttpRequestException($"the preview stops after {maxRequests} requests");
                }

                _requests.Add(new CapturedRequest(request.Method.Method, request.RequestUri?.ToString() ?? "", request.Content?.Headers.ContentType?.ToString(), body, truncated));
            }

            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                RequestMessage = request,
                Content = new StringContent(Success, Encoding.UTF8, "application/json"),
            };
        }
    }

    /// <summary>
    /// A one-shot SMTP receiver on loopback (RFC 5321's minimum: EHLO, MAIL, RCPT, DATA, QUIT) that keeps the message
    /// instead of relaying it. Bounded: one connection, lines of at most 1000 octets (RFC 5321 4.5.3.1.6), the message
    /// at most the given size, and the preview's deadline.
    /// </summary>
    private sealed class SmtpCapture : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop;

        private SmtpCapture(int maxBytes, CancellationToken ct)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start(1);
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Message = ReceiveAsync(maxBytes, _stop.Token);
        }

        public int Port { get; }

        /// <summary>The message as sent (dot-stuffing undone), or null when none arrived.</summary>
        public Task<string?> Message { get; }

        public static SmtpCapture Start(int maxBytes, CancellationToken ct) => new(maxBytes, ct);

        private async Task<string?> ReceiveAsync(int maxBytes, CancellationToken ct)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(ct);
                await using var stream = client.GetStream();
                var reader = new LineReader(stream);
                async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), ct);
                await Say("220 promoter-preview ESMTP (nothing is relayed)");
                string? message = null;
                while (await reader.ReadLineAsync(1000, ct) is { } line)
                {
                    var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await Say("250-promoter-preview\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE " + maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
                            break;
                        case "HELO" or "MAIL" or "RCPT" or "RSET" or "NOOP":
                            await Say("250 OK");
                            break;
                        case "DATA":
                            await Say("354 End data with <CR><LF>.<CR><LF>");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync(1000, ct) is { } d && d != ".")
                            {
                                if (data.Length + d.Length > maxBytes)
                                {
                                    await Say("552 message too large for the preview");
                                    return null;
                                }

                                data.Append(d.StartsWith('.') ? d[1..] : d).Append("\r\n");
                            }

                            message = data.ToString();
                            await Say("250 OK: kept for the preview");
                            break;
                        case "QUIT":
                            await Say("221 Bye");
                            return message;
                        default:
                            await Say("502 not implemented in the preview");
                            break;
                    }
                }

                return message;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await Message;
            }
            catch (ObjectDisposedException)
            {
                // The listener stopped while accepting.
            }

            _stop.Dispose();
        }
    }

    /// <summary>Reads CRLF lines of bounded length from a stream as UTF-8.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(int maxLength, CancellationToken ct)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, ct);
                    if (_end == 0)
                    {
                        return line.Count == 0 ? null : Encoding.UTF8.GetString(line.ToArray());
                    }
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    if (line.Count > 0 && line[^1] == '\r')
                    {
                        line.RemoveAt(line.Count - 1);
                    }

                    return Encoding.UTF8.GetString(line.ToArray());
                }

                line.Add(b);
                if (line.Count > maxLength)
                {
                    throw new InvalidDataException("SMTP line longer than 1000 octets");
                }
            }
        }
    }
}
