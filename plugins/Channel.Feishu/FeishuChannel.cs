using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Feishu;

/// <summary>
/// Posts notifications to a Feishu / Lark custom bot as signed interactive cards. With a self-built app's credentials
/// the charts are uploaded first and placed in the card by image_key; without, they are linked by their stored URL.
/// Classifies Feishu's answers (errors come as HTTP 200 with a code), waits for the bot's pacer (100 a minute and
/// 5 a second), and remembers in the resume token how many cards of a split message were delivered.
/// </summary>
internal sealed class FeishuChannel : IChannel
{
    private const string Service = "Feishu";
    private const string ResumePrefix = "feishu-cards:";

    private readonly FeishuOptions _options;
    private readonly FeishuMessageComposer _composer;
    private readonly FeishuSigner? _signer;
    private readonly FeishuAppClient? _app;
    private readonly RobotPacer _pacer;
    private readonly ChannelHttp _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Histogram<double> _pacingWait;

    public FeishuChannel(string name, FeishuOptions options, FeishuMessageComposer composer, FeishuAppClient? app, RobotPacer pacer, ChannelHttp http,
        TimeProvider time, ILogger logger, Histogram<double> pacingWait)
    {
        Name = name;
        _options = options;
        _composer = composer;
        _signer = options.Secret is null ? null : new FeishuSigner(options.Secret);
        _app = app;
        _pacer = pacer;
        _http = http;
        _time = time;
        _logger = logger;
        _pacingWait = pacingWait;
    }

    public string Name { get; }

    /// <summary>Only with a self-built app's credentials: custom bots cannot upload images themselves.</summary>
    public bool UploadsImages => _app is not null;

    public ChannelRateLimit RateLimit => new(_options.MessagesPerMinute, TimeSpan.FromMinutes(1));

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var keys = await UploadAsync(notification, cancellationToken).ConfigureAwait(false);
        var cards = _composer.Compose(notification, keys);
        var sent = AlreadySent(notification.ResumeToken, cards.Count);
        if (sent > 0)
        {
            FeishuLog.Resuming(_logger, Name, sent, cards.Count);
        }

        for (var i = sent; i < cards.Count; i++)
        {
            var started = _time.GetTimestamp();
            if (await _pacer.WaitForSlotAsync(_options.MaxQueueWait, cancellationToken).ConfigureAwait(false) is { } wait)
            {
                return Resumable(DeliveryResult.RateLimited(
                    $"the Feishu bot is at its limit of {_options.MessagesPerMinute} messages a minute and {_options.MessagesPerSecond} a second; the next slot is in {Math.Ceiling(wait.TotalSeconds)}s",
                    wait), i, cards.Count);
            }

            var waited = _time.GetElapsedTime(started);
            _pacingWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("channel_type", "feishu"));
            if (waited > TimeSpan.Zero)
            {
                FeishuLog.Paced(_logger, Name, waited.TotalMilliseconds);
            }

            var result = await PostAsync(cards[i], cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                if (cards.Count > 1)
                {
                    FeishuLog.PartFailed(_logger, Name, i + 1, cards.Count, result.ToString());
                }

                return Resumable(result, i, cards.Count);
            }
        }

        return DeliveryResult.Success();
    }

    /// <summary>Uploads the charts whose bytes the host gave; a chart that cannot be uploaded is linked instead.</summary>
    private async Task<Dictionary<int, string>> UploadAsync(Notification notification, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<int, string>();
        if (_app is null)
        {
            return keys;
        }

        for (var i = 0; i < notification.Images.Count; i++)
        {
            var image = notification.Images[i];
            if (image.Content.IsEmpty)
            {
                continue;
            }

            var (key, error) = await _app.UploadAsync(image.Content, image.ContentType, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                FeishuLog.UploadFailed(_logger, Name, image.Title, error ?? "unknown");
                continue;
            }

            keys[i] = key;
        }

        return keys;
    }

    private async Task<DeliveryResult> PostAsync(JsonObject card, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        if (_signer is not null)
        {
            var (timestamp, sign) = _signer.Sign(_time.GetUtcNow());
            body["timestamp"] = timestamp;
            body["sign"] = sign;
        }

        body["msg_type"] = "interactive";
        body["card"] = card.DeepClone();
        // Serialized up front so that the request carries a Content-Length (no chunked upload).
        using var content = new ByteArrayContent(FeishuJson.Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.BotUrl) { Content = content };
        var exchange = await _http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        FeishuResponse? response;
        try
        {
            response = JsonSerializer.Deserialize(exchange.Body, FeishuJsonContext.Default.FeishuResponse);
        }
        catch (JsonException)
        {
            response = null;
        }

        if (!exchange.IsSuccessStatus)
        {
            // Feishu answers some refusals (9499, throttling) with a 4xx and its code in the body.
            return response?.Code is { } c and not 0 && c is 9499 or 11232
                ? Classify(c, _http.Excerpt(response.Msg ?? "").TrimStart(':', ' ')) with { StatusCode = exchange.Status }
                : _http.ClassifyStatus(exchange, Service);
        }

        if ((response?.Code ?? response?.StatusCode) is not { } code)
        {
            return DeliveryResult.Transient($"Feishu answered HTTP {exchange.Status} without a code{_http.Excerpt(exchange.Body)}") with { StatusCode = exchange.Status };
        }

        return Classify(code, _http.Excerpt(response?.Msg ?? response?.StatusMessage ?? "").TrimStart(':', ' ')) with { StatusCode = exchange.Status };
    }

    /// <summary>Feishu's custom bot codes (HTTP 200): see the custom bot guide's error list.</summary>
    private DeliveryResult Classify(int code, string msg)
    {
        var said = $"Feishu code {code.ToString(CultureInfo.InvariantCulture)} ({msg})";
        switch (code)
        {
            case 0:
                return DeliveryResult.Success();
            case 11232:
                // Throttled (Feishu asks bots to avoid the on-the-hour peaks): hold this bot's senders for a while.
                var retryAfter = TimeSpan.FromSeconds(30);
                _pacer.BlockUntil(_time.GetUtcNow() + retryAfter);
                return DeliveryResult.RateLimited(said + ": the bot is over Feishu's 100 a minute / 5 a second limit", retryAfter);
            case 19021:
                return DeliveryResult.Auth(said + (_signer is null
                    ? ": the bot requires a signature; set the channel's secret (or secret_file)"
                    : ": check the signing secret (secret / secret_file) and this machine's clock (Feishu accepts signatures within one hour)"));
            case 19022:
                return DeliveryResult.Auth(said + ": the bot's IP allow-list does not include this server's public address");
            case 19024:
                return DeliveryResult.Auth(said + ": the bot requires a keyword; put one of its keywords in the title template");
            case 19001 when msg.Contains("token", StringComparison.OrdinalIgnoreCase):
                return DeliveryResult.Auth(said + ": the bot's webhook token is not valid; check the channel's url (the bot may have been removed)");
            case 9499:
                return DeliveryResult.Invalid(said + $": the request is over Feishu's 20 KB limit or malformed (limit {_options.MaxBytes} bytes)");
            case >= 19000 and < 20000:
                return DeliveryResult.Invalid(said + ": Feishu refused the card");
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
        // Only trust the count when the message splits the same way as before.
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
