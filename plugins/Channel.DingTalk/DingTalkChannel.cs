using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.DingTalk;

/// <summary>
/// Posts notifications to a DingTalk custom robot as markdown. Classifies DingTalk's answers (errors come
/// as HTTP 200 with an errcode); waits for the robot's pacer; remembers in the resume token how many parts
/// of a split message were delivered so a retry does not repeat them.
/// </summary>
internal sealed class DingTalkChannel : IChannel
{
    private const string Service = "DingTalk";
    private const string ResumePrefix = "dingtalk-parts:";

    private readonly DingTalkOptions _options;
    private readonly DingTalkMessageComposer _composer;
    private readonly DingTalkSigner? _signer;
    private readonly RobotPacer _pacer;
    private readonly ChannelHttp _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Histogram<double> _pacingWait;

    public DingTalkChannel(string name, DingTalkOptions options, DingTalkMessageComposer composer, RobotPacer pacer, ChannelHttp http,
        TimeProvider time, ILogger logger, Histogram<double> pacingWait)
    {
        Name = name;
        _options = options;
        _composer = composer;
        _signer = options.Secret is null ? null : new DingTalkSigner(options.Secret);
        _pacer = pacer;
        _http = http;
        _time = time;
        _logger = logger;
        _pacingWait = pacingWait;
    }

    public string Name { get; }

    /// <summary>The robot's pace (DingTalk: 20 a minute), so that the host digests a storm instead of queueing it.</summary>
    public ChannelRateLimit RateLimit => new(_options.MessagesPerMinute, TimeSpan.FromMinutes(1));

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var parts = _composer.Compose(notification);
        var sent = AlreadySent(notification.ResumeToken, parts.Count);
        if (sent > 0)
        {
            DingTalkLog.Resuming(_logger, Name, sent, parts.Count);
        }

        for (var i = sent; i < parts.Count; i++)
        {
            var started = _time.GetTimestamp();
            if (await _pacer.WaitForSlotAsync(_options.MaxQueueWait, cancellationToken).ConfigureAwait(false) is { } wait)
            {
                return Resumable(DeliveryResult.RateLimited(
                    $"the DingTalk robot is at its limit of {_options.MessagesPerMinute} messages a minute; the next slot is in {Math.Ceiling(wait.TotalSeconds)}s",
                    wait), i, parts.Count);
            }

            var waited = _time.GetElapsedTime(started);
            _pacingWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("channel_type", "dingtalk"));
            if (waited > TimeSpan.Zero)
            {
                DingTalkLog.Paced(_logger, Name, waited.TotalMilliseconds);
            }

            var result = await PostAsync(parts[i], cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                if (parts.Count > 1)
                {
                    DingTalkLog.PartFailed(_logger, Name, i + 1, parts.Count, result.ToString());
                }

                return Resumable(result, i, parts.Count);
            }
        }

        return DeliveryResult.Success();
    }

    private async Task<DeliveryResult> PostAsync(DingTalkPart part, CancellationToken cancellationToken)
    {
        var message = new DingTalkMarkdownMessage(new DingTalkMarkdown(part.Title, part.Text), part.At);
        var url = _signer?.SignedUrl(_options.RobotUrl, _time.GetUtcNow()) ?? _options.RobotUrl;
        // Serialized up front so that the request carries a Content-Length (no chunked upload).
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(message, DingTalkJsonContext.Default.DingTalkMarkdownMessage));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        var exchange = await _http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        if (!exchange.IsSuccessStatus)
        {
            return _http.ClassifyStatus(exchange, Service);
        }

        DingTalkResponse? response;
        try
        {
            response = JsonSerializer.Deserialize(exchange.Body, DingTalkJsonContext.Default.DingTalkResponse);
        }
        catch (JsonException)
        {
            response = null;
        }

        if (response?.ErrCode is not { } code)
        {
            return DeliveryResult.Transient($"DingTalk answered HTTP {exchange.Status} without an errcode{_http.Excerpt(exchange.Body)}") with { StatusCode = exchange.Status };
        }

        return Classify(code, _http.Excerpt(response.ErrMsg ?? "").TrimStart(':', ' ')) with { StatusCode = exchange.Status };
    }

    /// <summary>DingTalk's errcodes (HTTP 200): see the robot documentation and the codes seen in the field.</summary>
    private DeliveryResult Classify(int code, string errmsg)
    {
        var said = $"DingTalk errcode {code.ToString(CultureInfo.InvariantCulture)} ({errmsg})";
        switch (code)
        {
            case 0:
                return DeliveryResult.Success();
            case 130101:
                // "send too fast, exceed 20 times per minute": DingTalk then holds the robot; hold every
                // sender of this robot for a minute and let the pipeline retry after it.
                var retryAfter = TimeSpan.FromMinutes(1);
                _pacer.BlockUntil(_time.GetUtcNow() + retryAfter);
                return DeliveryResult.RateLimited(said + ": the robot is over 20 messages a minute", retryAfter);
            case 310000:
                return DeliveryResult.Auth(said + ": the robot's security check failed; check " + SecurityHint(errmsg));
            case 300001 or 300005 or 400102:
                return DeliveryResult.Auth(said + ": the robot's access_token is not valid; check the channel's url (the robot may have been deleted)");
            case 460101 or 101002:
                return DeliveryResult.Invalid(said + $": the message is over DingTalk's size limit; shorten the template (limit {_options.MaxBytes} bytes)");
            case -1:
                // "系统繁忙": DingTalk's own temporary failure.
                return DeliveryResult.Transient(said + ": DingTalk is busy");
            case >= 40000 and < 50000:
                return DeliveryResult.Invalid(said + ": DingTalk refused the message's content");
            default:
                return DeliveryResult.Permanent(said);
        }
    }

    private string SecurityHint(string errmsg)
    {
        if (errmsg.Contains("sign", StringComparison.OrdinalIgnoreCase))
        {
            return "the signing secret (secret / secret_file) matches the robot's 加签 secret";
        }

        if (_signer is null && (errmsg.Contains("timestamp", StringComparison.OrdinalIgnoreCase) || errmsg.Contains("sign", StringComparison.OrdinalIgnoreCase)))
        {
            return "the robot's 加签 (sign) security setting: it requires a signature, so set the channel's secret (or secret_file)";
        }

        if (errmsg.Contains("timestamp", StringComparison.OrdinalIgnoreCase))
        {
            return "this machine's clock (DingTalk accepts signatures within one hour of its time)";
        }

        if (errmsg.Contains("keyword", StringComparison.OrdinalIgnoreCase))
        {
            return "the keyword option matches one of the robot's custom keywords";
        }

        if (errmsg.Contains("ip", StringComparison.OrdinalIgnoreCase))
        {
            return "the robot's IP allow-list includes this server's public address";
        }

        return "the signing secret (secret), the keyword (keyword) and the robot's IP allow-list";
    }

    private static int AlreadySent(string? token, int parts)
    {
        if (token is null || !token.StartsWith(ResumePrefix, StringComparison.Ordinal))
        {
            return 0;
        }

        var values = token[ResumePrefix.Length..].Split('/');
        // Only trust the count when the message splits the same way as before.
        return values.Length == 2
               && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sent)
               && int.TryParse(values[1], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
               && total == parts && sent < parts
            ? sent
            : 0;
    }

    private static DeliveryResult Resumable(DeliveryResult result, int sent, int parts) =>
        sent == 0 ? result : result with { ResumeToken = $"{ResumePrefix}{sent}/{parts}" };
}
