using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Telegram;

/// <summary>
/// Sends a notification with the Bot API. One chart and a text that fits Telegram's 1,024-character caption:
/// one <c>sendPhoto</c> with the text as caption. Otherwise <c>sendMessage</c> with the text (cut to 4,096), then
/// the charts replying to it (albums of up to 10 with <c>sendMediaGroup</c>). A chart with bytes is uploaded (multipart, no store needed);
/// one with only a public URL is sent by URL (Telegram fetches it). A notification for a group already posted
/// (resolved, or a repeat) replies to the first message; the message id returned is that first message's
/// ("chat/message_id"), so every follow-up of a group hangs under it.
/// </summary>
internal sealed class TelegramChannel : IChannel
{
    /// <summary>sendPhoto: 10 MB at most for a photo uploaded with multipart/form-data.</summary>
    internal const int MaxPhotoBytes = 10 * 1000 * 1000;

    /// <summary>sendMediaGroup: an album holds 2 to 10 photos.</summary>
    internal const int MaxAlbum = 10;

    private const string ResumePrefix = "telegram-sent:";

    private readonly TelegramOptions _options;
    private readonly TelegramMessageBuilder _builder;
    private readonly TelegramBotApi _api;
    private readonly ILogger _logger;

    public TelegramChannel(string name, TelegramOptions options, TelegramMessageBuilder builder, TelegramBotApi api, ILogger logger)
    {
        Name = name;
        _options = options;
        _builder = builder;
        _api = api;
        _logger = logger;
    }

    public string Name { get; }

    /// <summary>Charts are uploaded with sendPhoto: no public store needed.</summary>
    public bool UploadsImages => true;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var (photos, skipped) = Photos(notification);

        var root = MessageRef.Parse(notification.PreviousMessageId) is { } previous && previous.Chat == _options.ChatId ? previous : null;

        // A previous attempt sent the message and failed while sending the charts: only finish those.
        if (ParseResume(notification.ResumeToken) is { } resume)
        {
            var finished = await SendPhotosAsync(photos, resume.Id, resume.Sent, cancellationToken).ConfigureAwait(false);
            return finished.IsSuccess && root is not null ? DeliveryResult.Success(root.ToString()) : finished;
        }

        var content = _builder.Content(notification, skipped);
        var fullLength = TelegramMessageBuilder.FullLength(content);
        if (photos.Count == 1 && fullLength <= TelegramMessageBuilder.CaptionLimit)
        {
            var caption = TelegramMarkup.Render(TelegramMessageBuilder.Layout(content, TelegramMessageBuilder.CaptionLimit), _options.ParseMode);
            var sent = await SendPhotoAsync(photos[0], caption, root?.MessageId, cancellationToken).ConfigureAwait(false);
            return sent.Failure ?? DeliveryResult.Success((root ?? new MessageRef(_options.ChatId, sent.MessageId)).ToString());
        }

        if (photos.Count > 0)
        {
            TelegramLog.CaptionTooLong(_logger, Name, fullLength);
        }

        var text = TelegramMarkup.Render(TelegramMessageBuilder.Layout(content, TelegramMessageBuilder.MessageLimit), _options.ParseMode);
        var payload = Common(root?.MessageId);
        payload["text"] = text;
        payload["link_preview_options"] = new JsonObject { ["is_disabled"] = true };
        var message = await _api.CallJsonAsync("sendMessage", payload, cancellationToken).ConfigureAwait(false);
        if (message.Failure is { } failure)
        {
            return failure;
        }

        var id = new MessageRef(_options.ChatId, message.MessageId);
        var result = await SendPhotosAsync(photos, id, 0, cancellationToken).ConfigureAwait(false);
        return result.IsSuccess && root is not null ? DeliveryResult.Success(root.ToString()) : result;
    }

    /// <summary>
    /// The charts as replies to <paramref name="message"/>, each captioned with its title: albums of 2 to 10 with
    /// sendMediaGroup (one request, where Telegram's per-chat limits count requests), a single one with sendPhoto.
    /// </summary>
    private async Task<DeliveryResult> SendPhotosAsync(IReadOnlyList<NotificationImage> photos, MessageRef message, int alreadySent, CancellationToken cancellationToken)
    {
        for (var start = alreadySent; start < photos.Count; start += MaxAlbum)
        {
            var chunk = photos.Skip(start).Take(MaxAlbum).ToList();
            var sent = chunk.Count == 1
                ? await SendPhotoAsync(chunk[0], Caption(chunk[0]), message.MessageId, cancellationToken).ConfigureAwait(false)
                : await SendAlbumAsync(chunk, message.MessageId, cancellationToken).ConfigureAwait(false);
            if (sent.Failure is not { } failure)
            {
                continue;
            }

            if (failure.IsRetryable)
            {
                return failure with { ResumeToken = $"{ResumePrefix}{message}|{start}" };
            }

            // The text is delivered; charts Telegram refuses must not make the pipeline send the text again.
            TelegramLog.PhotoFailed(_logger, Name, string.Join(", ", chunk.Select(c => c.Title)), failure.ToString());
        }

        return DeliveryResult.Success(message.ToString());
    }

    private string Caption(NotificationImage image) => TelegramMarkup.Render(
        [new TextRun(TelegramMessageBuilder.Truncate(string.IsNullOrWhiteSpace(image.Title) ? "chart" : image.Title, TelegramMessageBuilder.CaptionLimit))],
        _options.ParseMode);

    /// <summary>sendMediaGroup: <c>media</c> lists InputMediaPhoto items whose <c>media</c> is <c>attach://&lt;part&gt;</c> or a URL.</summary>
    private Task<TelegramReply> SendAlbumAsync(IReadOnlyList<NotificationImage> chunk, long replyTo, CancellationToken cancellationToken)
    {
        var fields = Common(replyTo);
        fields.Remove("parse_mode");
        var media = new JsonArray();
        var files = new List<TelegramUpload>();
        for (var i = 0; i < chunk.Count; i++)
        {
            var item = new JsonObject { ["type"] = "photo", ["caption"] = Caption(chunk[i]), ["parse_mode"] = _options.ParseMode };
            if (chunk[i].Content.IsEmpty)
            {
                item["media"] = chunk[i].Url!.AbsoluteUri;
            }
            else
            {
                var part = "photo" + i.ToString(CultureInfo.InvariantCulture);
                item["media"] = "attach://" + part;
                files.Add(new TelegramUpload(part, chunk[i].Content, FileName(chunk[i]), chunk[i].ContentType));
            }

            media.Add(item);
        }

        fields["media"] = media;
        return _api.CallMultipartAsync("sendMediaGroup", Form(fields), files, cancellationToken);
    }

    private Task<TelegramReply> SendPhotoAsync(NotificationImage image, string caption, long? replyTo, CancellationToken cancellationToken)
    {
        var fields = Common(replyTo);
        fields["caption"] = caption;
        if (image.Content.IsEmpty)
        {
            fields["photo"] = image.Url!.AbsoluteUri;
            return _api.CallJsonAsync("sendPhoto", fields, cancellationToken);
        }

        return _api.CallMultipartAsync("sendPhoto", Form(fields), [new TelegramUpload("photo", image.Content, FileName(image), image.ContentType)], cancellationToken);
    }

    private static List<KeyValuePair<string, string>> Form(JsonObject fields) => fields.Select(kv => new KeyValuePair<string, string>(kv.Key,
        kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value!.ToJsonString())).ToList();

    private static string FileName(NotificationImage image) =>
        $"chart-{image.AlertIndex.ToString(CultureInfo.InvariantCulture)}.{(image.ContentType.Contains("jpeg", StringComparison.Ordinal) ? "jpg" : "png")}";

    /// <summary>chat_id, parse_mode, message_thread_id, disable_notification and the reply to the group's first message.</summary>
    private JsonObject Common(long? replyTo)
    {
        var payload = new JsonObject { ["chat_id"] = _options.ChatId, ["parse_mode"] = _options.ParseMode };
        if (_options.MessageThreadId is { } thread)
        {
            payload["message_thread_id"] = thread;
        }

        if (_options.DisableNotification)
        {
            payload["disable_notification"] = true;
        }

        if (replyTo is { } id)
        {
            // Sent even when the first message was deleted meanwhile: the alert matters more than the thread.
            payload["reply_parameters"] = new JsonObject { ["message_id"] = id, ["allow_sending_without_reply"] = true };
        }

        return payload;
    }

    /// <summary>The charts Telegram can take (bytes up to 10 MB, or a public URL), and a note for each it cannot.</summary>
    private static (IReadOnlyList<NotificationImage> Photos, IReadOnlyList<string> Skipped) Photos(Notification notification)
    {
        var photos = new List<NotificationImage>();
        var skipped = new List<string>();
        foreach (var image in notification.Images)
        {
            if (!image.Content.IsEmpty && image.Content.Length <= MaxPhotoBytes)
            {
                photos.Add(image);
            }
            else if (image is { IsUrlPublic: true, Url: not null })
            {
                photos.Add(image with { Content = ReadOnlyMemory<byte>.Empty });
            }
            else
            {
                var why = image.Content.Length > MaxPhotoBytes
                    ? $"{image.Content.Length / 1_000_000.0:0.#} MB, over Telegram's 10 MB photo limit"
                    : "not stored where Telegram can fetch it";
                skipped.Add(string.Create(CultureInfo.InvariantCulture, $"chart \"{image.Title}\" not attached: {why}"));
            }
        }

        return (photos, skipped);
    }

    private static (MessageRef Id, int Sent)? ParseResume(string? token)
    {
        if (token is null || !token.StartsWith(ResumePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = token[ResumePrefix.Length..].Split('|');
        return parts.Length == 2 && MessageRef.Parse(parts[0]) is { } id
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sent)
            ? (id, sent)
            : null;
    }

    /// <summary>"-1001234567890/42": the configured chat id and the message id.</summary>
    private sealed record MessageRef(string Chat, long MessageId)
    {
        public static MessageRef? Parse(string? id)
        {
            var slash = id?.LastIndexOf('/') ?? -1;
            return slash > 0 && long.TryParse(id![(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                ? new MessageRef(id[..slash], m)
                : null;
        }

        public override string ToString() => $"{Chat}/{MessageId.ToString(CultureInfo.InvariantCulture)}";
    }
}
