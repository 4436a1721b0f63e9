using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.WeCom;

/// <summary>
/// Posts notifications to a WeCom group robot: the markdown, then each chart as an image message. Classifies
/// WeCom's answers (errors come as HTTP 200 with an errcode); waits for the robot's pacer; remembers in the resume
/// token how many of the messages were delivered so that a retry does not repeat them.
/// </summary>
internal sealed class WeComChannel : IChannel
{
    private const string Service = "WeCom";
    private const string ResumePrefix = "wecom-sent:";

    private readonly WeComOptions _options;
    private readonly WeComMessageComposer _composer;
    private readonly RobotPacer _pacer;
    private readonly ChannelHttp _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Histogram<double> _pacingWait;

    public WeComChannel(string name, WeComOptions options, WeComMessageComposer composer, RobotPacer pacer, ChannelHttp http,
        TimeProvider time, ILogger logger, Histogram<double> pacingWait)
    {
        Name = name;
        _options = options;
        _composer = composer;
        _pacer = pacer;
        _http = http;
        _time = time;
        _logger = logger;
        _pacingWait = pacingWait;
    }

    public string Name { get; }

    /// <summary>Charts go as image messages (base64 + MD5), so the host hands over the bytes of charts without a public URL.</summary>
    public bool UploadsImages => _options.Images == "upload";

    public ChannelRateLimit RateLimit => new(_options.MessagesPerMinute, TimeSpan.FromMinutes(1));

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var messages = _composer.Compose(notification);
        var sent = AlreadySent(notification.ResumeToken, messages.Count);
        if (sent > 0)
        {
            WeComLog.Resuming(_logger, Name, sent, messages.Count);
        }

        for (var i = sent; i < messages.Count; i++)
        {
            var started = _time.GetTimestamp();
            if (await _pacer.WaitForSlotAsync(_options.MaxQueueWait, cancellationToken).ConfigureAwait(false) is { } wait)
            {
                return Resumable(DeliveryResult.RateLimited(
                    $"the WeCom robot is at its limit of {_options.MessagesPerMinute} messages a minute; the next slot is in {Math.Ceiling(wait.TotalSeconds)}s",
                    wait), i, messages.Count);
            }

            var waited = _time.GetElapsedTime(started);
            _pacingWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("channel_type", "wecom"));
            if (waited > TimeSpan.Zero)
            {
                WeComLog.Paced(_logger, Name, waited.TotalMilliseconds);
            }

            var result = await PostAsync(messages[i], cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                if (messages.Count > 1)
                {
                    WeComLog.PartFailed(_logger, Name, i + 1, messages.Count, result.ToString());
                }

                return Resumable(result, i, messages.Count);
            }
        }

        return DeliveryResult.Success();
    }

    private async Task<DeliveryResult> PostAsync(WeComMessage message, CancellationToken cancellationToken)
    {
        // Serialized up front so that the request carries a Content-Length (no chunked upload).
        var body = JsonSerializer.SerializeToUtf8Bytes(message, WeComJsonContext.Default.WeComMessage);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.RobotUrl) { Content = content };
        var exchange = await _http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        if (!exchange.IsSuccessStatus)
        {
            return _http.ClassifyStatus(exchange, Service);
        }

        WeComResponse? response;
        try
        {
            response = JsonSerializer.Deserialize(exchange.Body, WeComJsonContext.Default.WeComResponse);
        }
        catch (JsonException)
        {
            response = null;
        }

        if (response?.ErrCode is not { } code)
        {
            return DeliveryResult.Transient($"WeCom answered HTTP {exchange.Status} without an errcode{_http.Excerpt(exchange.Body)}") with { StatusCode = exchange.Status };
        }

        return Classify(code, _http.Excerpt(response.ErrMsg ?? "").TrimStart(':', ' ')) with { StatusCode = exchange.Status };
    }

    /// <summary>WeCom's errcodes (HTTP 200): the robot documentation (91770) and the global error code list.</summary>
    private DeliveryResult Classify(int code, string errmsg)
    {
        var said = $"WeCom errcode {code.ToString(CultureInfo.InvariantCulture)} ({errmsg})";
        switch (code)
        {
            case 0:
                return DeliveryResult.Success();
            case 45009:
                // "api freq out of limit": the robot is over 20 messages a minute; hold every sender of this robot.
                var retryAfter = TimeSpan.FromMinutes(1);
                _pacer.BlockUntil(_time.GetUtcNow() + retryAfter);
                return DeliveryResult.RateLimited(said + ": the robot is over 20 messages a minute", retryAfter);
            case 93000:
                // "invalid webhook url": the key is wrong or the robot was removed from the group; retrying cannot help.
                return DeliveryResult.Permanent(said + ": the robot's key is not valid; check the channel's url (the robot may have been removed from the group)");
            case 40058:
                return DeliveryResult.Invalid(said + $": a field is over WeCom's limit (markdown content {_options.MaxBytes} bytes); shorten the template");
            case -1:
                // "system busy": WeCom's own temporary failure.
                return DeliveryResult.Transient(said + ": WeCom is busy");
            case >= 40000 and < 50000:
                return DeliveryResult.Invalid(said + ": WeCom refused the message's content");
            default:
                return DeliveryResult.Permanent(said);
        }
    }

    private static int AlreadySent(string? token, int count)
    {
        if (token is null || !token.StartsWith(ResumePrefix, StringComparison.Ordinal))
        {
            return 0;
        }

        var values = token[ResumePrefix.Length..].Split('/');
        // Only trust the count when the notification turns into the same number of messages as before.
        return values.Length == 2
               && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sent)
               && int.TryParse(values[1], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
               && total == count && sent < count
            ? sent
            : 0;
    }

    private static DeliveryResult Resumable(DeliveryResult result, int sent, int count) =>
        sent == 0 ? result : result with { ResumeToken = $"{ResumePrefix}{sent}/{count}" };
}
