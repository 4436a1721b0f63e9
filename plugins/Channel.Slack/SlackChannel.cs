using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Slack;

/// <summary>
/// Bot-token mode: posts with chat.postMessage and returns "channel/ts" as the message id; on resolve it
/// rewrites that message with chat.update and adds a thread reply; a repeat of a firing group goes to the
/// thread. Charts without a public URL are uploaded into the thread (getUploadURLExternal → upload_url →
/// completeUploadExternal). Incoming-webhook mode posts the same blocks to the webhook (no update, no upload).
/// </summary>
internal sealed class SlackChannel : IChannel
{
    private const string ResumePrefix = "slack-posted:";

    private readonly SlackOptions _options;
    private readonly SlackMessageBuilder _builder;
    private readonly SlackWebApi? _api;
    private readonly ChannelHttp _http;
    private readonly SlackPacer _pacer;
    private readonly string _paceKey;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SlackChannel(string name, SlackOptions options, SlackMessageBuilder builder, ChannelHttp http, SlackPacer pacer, TimeProvider time, ILogger logger)
    {
        Name = name;
        _options = options;
        _builder = builder;
        _http = http;
        _pacer = pacer;
        _time = time;
        _logger = logger;
        _api = options.IsBotMode ? new SlackWebApi(options.ApiUrl, options.Token!, http) : null;
        _paceKey = options.IsBotMode
            ? options.ApiUrl.AbsoluteUri + "#" + options.Channel
            : "webhook#" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(options.WebhookUrl!.AbsoluteUri)));
    }

    public string Name { get; }

    /// <summary>Only a bot token can upload files; incoming webhooks link charts by URL.</summary>
    public bool UploadsImages => _api is not null;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return _api is null
            ? await SendToWebhookAsync(notification, cancellationToken).ConfigureAwait(false)
            : await SendWithBotAsync(_api, notification, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DeliveryResult> SendWithBotAsync(SlackWebApi api, Notification notification, CancellationToken cancellationToken)
    {
        // A previous attempt posted the message and failed during the uploads: only finish those.
        if (ParseResume(notification.ResumeToken) is { } resume)
        {
            return await UploadChartsAsync(api, notification, resume.Id, resume.Thread, resume.Uploaded, cancellationToken).ConfigureAwait(false);
        }

        var message = _builder.Build(notification, includeImages: true);
        if (MessageRef.Parse(notification.PreviousMessageId) is { } previous)
        {
            if (notification.Group.Status == "resolved" && _options.UpdateOnResolve)
            {
                var update = await api.CallJsonAsync("chat.update", Payload(previous.Channel, message, ts: previous.Ts), cancellationToken).ConfigureAwait(false);
                if (update.Ok)
                {
                    var reply = await PostAsync(api, previous.Channel, new JsonObject { ["text"] = _builder.ThreadReply(notification) }, previous.Ts, cancellationToken).ConfigureAwait(false);
                    if (reply.Failure is { } replyFailure)
                    {
                        // The message itself shows the resolution; a missing thread note is not worth a retry
                        // that would update the message again.
                        SlackLog.UploadFailed(_logger, Name, "thread reply", replyFailure.ToString());
                    }

                    return await UploadChartsAsync(api, notification, previous, previous.Ts, 0, cancellationToken).ConfigureAwait(false);
                }

                if (update.Error is not ("message_not_found" or "cant_update_message" or "edit_window_closed" or "channel_not_found"))
                {
                    return update.Failure!;
                }

                SlackLog.UpdateFallback(_logger, Name, previous.ToString(), update.Failure!.Message);
            }
            else
            {
                // A repeat (or a resolve without update): reply in the original message's thread.
                var threaded = await PostAsync(api, previous.Channel, Payload(previous.Channel, message), previous.Ts, cancellationToken).ConfigureAwait(false);
                if (threaded.Failure is { } threadFailure)
                {
                    if (threaded.Error is not ("thread_not_found" or "message_not_found" or "channel_not_found"))
                    {
                        return threadFailure;
                    }

                    SlackLog.UpdateFallback(_logger, Name, previous.ToString(), threadFailure.Message);
                }
                else
                {
                    return await UploadChartsAsync(api, notification, previous, previous.Ts, 0, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var posted = await PostAsync(api, _options.Channel!, Payload(_options.Channel!, message), null, cancellationToken).ConfigureAwait(false);
        if (posted.Failure is { } failure)
        {
            return failure;
        }

        var id = new MessageRef(posted.Str("channel") ?? _options.Channel!, posted.Str("ts") ?? "");
        return await UploadChartsAsync(api, notification, id, id.Ts, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>chat.postMessage after waiting for the channel's pace.</summary>
    private async Task<SlackApiResult> PostAsync(SlackWebApi api, string channel, JsonObject payload, string? threadTs, CancellationToken cancellationToken)
    {
        var (lease, limited) = await WaitForPaceAsync(cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return new SlackApiResult(limited, null, "ratelimited");
        }

        using (lease)
        {
            payload["channel"] = channel;
            if (threadTs is not null)
            {
                payload["thread_ts"] = threadTs;
            }

            return await api.CallJsonAsync("chat.postMessage", payload, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(IDisposable? Lease, DeliveryResult? Limited)> WaitForPaceAsync(CancellationToken cancellationToken)
    {
        var (lease, wait) = await _pacer.WaitForSlotAsync(_paceKey, _options.PostInterval, _options.MaxQueueWait, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return (null, DeliveryResult.RateLimited($"Slack allows about one message a second per channel; the next slot is in {Math.Ceiling(wait.TotalSeconds)}s", wait));
        }

        if (wait > TimeSpan.Zero)
        {
            SlackLog.Paced(_logger, Name, wait.TotalMilliseconds);
        }

        return (lease, null);
    }

    /// <summary>Uploads the charts that have no public URL into the message's thread.</summary>
    private async Task<DeliveryResult> UploadChartsAsync(SlackWebApi api, Notification notification, MessageRef message, string threadTs, int alreadyUploaded,
        CancellationToken cancellationToken)
    {
        var pending = notification.Images.Where(i => !(i.IsUrlPublic && i.Url is not null) && !i.Content.IsEmpty).ToList();
        for (var i = alreadyUploaded; i < pending.Count; i++)
        {
            var failure = await UploadAsync(api, pending[i], message.Channel, threadTs, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                continue;
            }

            if (failure.IsRetryable)
            {
                return failure with { ResumeToken = $"{ResumePrefix}{message}|{threadTs}|{i}" };
            }

            // The message is delivered; an upload that cannot succeed (missing files:write scope, …) must
            // not make the pipeline post the message again.
            SlackLog.UploadFailed(_logger, Name, pending[i].Title, failure.ToString());
        }

        return DeliveryResult.Success(message.ToString());
    }

    private async Task<DeliveryResult?> UploadAsync(SlackWebApi api, Promoter.Abstractions.Channels.NotificationImage image, string channel, string threadTs,
        CancellationToken cancellationToken)
    {
        var filename = $"chart-{image.AlertIndex}.{(image.ContentType.Contains("svg", StringComparison.Ordinal) ? "svg" : "png")}";
        var title = string.IsNullOrWhiteSpace(image.Title) ? filename : image.Title;
        var ticket = await api.CallFormAsync("files.getUploadURLExternal",
        [
            new("filename", filename),
            new("length", image.Content.Length.ToString(CultureInfo.InvariantCulture)),
            new("alt_txt", title.Length > 1000 ? title[..1000] : title),
        ], cancellationToken).ConfigureAwait(false);
        if (ticket.Failure is { } failure)
        {
            return failure;
        }

        var fileId = ticket.Str("file_id");
        if (fileId is null || !Uri.TryCreate(ticket.Str("upload_url"), UriKind.Absolute, out var uploadUrl))
        {
            return DeliveryResult.Transient("Slack files.getUploadURLExternal answered without upload_url or file_id");
        }

        if (await api.UploadAsync(uploadUrl, image.Content, image.ContentType, cancellationToken).ConfigureAwait(false) is { } uploadFailure)
        {
            return uploadFailure;
        }

        var complete = await api.CallJsonAsync("files.completeUploadExternal", new JsonObject
        {
            ["files"] = new JsonArray(new JsonObject { ["id"] = fileId, ["title"] = title }),
            ["channel_id"] = channel,
            ["thread_ts"] = threadTs,
        }, cancellationToken).ConfigureAwait(false);
        return complete.Failure;
    }

    private async Task<DeliveryResult> SendToWebhookAsync(Notification notification, CancellationToken cancellationToken)
    {
        var (lease, limited) = await WaitForPaceAsync(cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return limited!;
        }

        using var held = lease;
        var message = _builder.Build(notification, includeImages: true);
        var payload = new JsonObject { ["text"] = message.Text, ["blocks"] = message.Blocks };
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.WebhookUrl)
        {
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        var exchange = await _http.SendAsync(request, "Slack incoming webhook", cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        // Incoming webhooks answer plain text: "ok" (200) or an error code with a status (400
        // invalid_payload, 403 action_prohibited, 404 channel_not_found, 410 channel_is_archived, 500 rollup_error).
        return exchange.IsSuccessStatus
            ? DeliveryResult.Success()
            : _http.ClassifyStatus(exchange, "Slack incoming webhook");
    }

    private static JsonObject Payload(string channel, SlackMessage message, string? ts = null)
    {
        var payload = new JsonObject
        {
            ["channel"] = channel,
            ["text"] = message.Text,
            ["blocks"] = message.Blocks.DeepClone(),
            ["unfurl_links"] = false,
            ["unfurl_media"] = false,
        };
        if (ts is not null)
        {
            payload["ts"] = ts;
            payload.Remove("unfurl_links");
            payload.Remove("unfurl_media");
        }

        return payload;
    }

    private static (MessageRef Id, string Thread, int Uploaded)? ParseResume(string? token)
    {
        if (token is null || !token.StartsWith(ResumePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = token[ResumePrefix.Length..].Split('|');
        return parts.Length == 3 && MessageRef.Parse(parts[0]) is { } id
               && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uploaded)
            ? (id, parts[1], uploaded)
            : null;
    }

    /// <summary>"C123/1700000000.000100": the channel ID and ts of a posted message.</summary>
    private sealed record MessageRef(string Channel, string Ts)
    {
        public static MessageRef? Parse(string? id)
        {
            var slash = id?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            return slash > 0 && slash < id!.Length - 1 ? new MessageRef(id[..slash], id[(slash + 1)..]) : null;
        }

        public override string ToString() => $"{Channel}/{Ts}";
    }
}
