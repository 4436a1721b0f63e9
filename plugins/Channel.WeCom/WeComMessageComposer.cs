using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.WeCom;

/// <summary>
/// Renders a notification into the robot messages that carry it, in order: the markdown (split at alert
/// boundaries when over WeCom's 4,096-byte limit, a single alert over it truncated with a note), each part
/// followed by its alerts' charts as image messages (base64 + MD5, ≤ 2 MB), then, when someone must be paged
/// by mobile number or @all, a short text message (the only kind whose mentioned_mobile_list pings).
/// </summary>
internal sealed class WeComMessageComposer
{
    private readonly string _channel;
    private readonly WeComOptions _options;
    private readonly Uri? _publicUrl;
    private readonly ICompiledTemplate? _text;
    private readonly ICompiledTemplate? _digest;
    private readonly ChatMentionResolver _mentions;
    private readonly ILogger _logger;

    public WeComMessageComposer(string channel, string path, WeComOptions options, Uri? publicUrl, ITemplateRenderer templates, ILogger logger)
    {
        _channel = channel;
        _options = options;
        _publicUrl = publicUrl;
        _logger = logger;
        _text = Compile(templates, path + ".template.text", options.TextTemplate);
        _digest = Compile(templates, path + ".digest_template.text", options.DigestTextTemplate);
        var mentionTemplate = options.Mentions.Template is { } m ? Compile(templates, path + ".mention_template", m) : null;
        _mentions = new ChatMentionResolver(options.Mentions, mentionTemplate, e => WeComLog.MentionTemplateFailed(_logger, _channel, e));
    }

    private string TruncationNote => _options.Lang == "zh"
        ? "\n\n> …（已截断：此告警的内容超过企业微信 4096 字节的消息上限）"
        : "\n\n> … (truncated: this alert's text is over WeCom's 4,096-byte message limit)";

    public IReadOnlyList<WeComMessage> Compose(Notification notification)
    {
        var group = notification.Group;
        var native = NativeImages(notification);
        var linked = notification.Images.Where(i => i.Url is not null && !native.Contains(i)).ToList();
        var (userIds, mobiles, all) = People(notification);

        var whole = Decorate(Render(notification, group, linked), notification.Notes, userIds);
        var parts = new List<(string Text, int From, int To)>();
        var size = Encoding.UTF8.GetByteCount(whole);
        if (size <= _options.MaxBytes || group.Alerts.Count == 0)
        {
            parts.Add((size <= _options.MaxBytes ? whole : Truncate(whole), 0, group.Alerts.Count));
        }
        else
        {
            parts.AddRange(SplitAtAlerts(notification, linked, userIds));
            WeComLog.Split(_logger, _channel, size, _options.MaxBytes, parts.Count);
        }

        var messages = new List<WeComMessage>();
        foreach (var (text, from, to) in parts)
        {
            messages.Add(WeComMessage.ForMarkdown(_options.MessageType, text));
            foreach (var image in native.Where(i => i.AlertIndex >= from && i.AlertIndex < to))
            {
                var bytes = image.Content.Span;
                messages.Add(new WeComMessage
                {
                    MsgType = "image",
                    Image = new WeComImage(Convert.ToBase64String(bytes), Convert.ToHexStringLower(MD5.HashData(bytes))),
                });
            }
        }

        if (mobiles.Count > 0 || all || (userIds.Count > 0 && _options.MessageType == "markdown_v2"))
        {
            // markdown pings only <@userid>; mobiles and @all (and every mention under markdown_v2, which has
            // no mentions) need a text message.
            var list = _options.MessageType == "markdown_v2" ? userIds.ToList() : [];
            if (all)
            {
                list.Add("@all");
            }

            var content = _options.Lang == "zh" ? "请关注以上告警" : "Please look at the alerts above";
            messages.Add(new WeComMessage { MsgType = "text", Text = new WeComText(content, list, mobiles) });
        }

        return messages;
    }

    /// <summary>Charts sent as image messages: in upload mode, every chart whose bytes the host gave (it gives them
    /// when the stored URL is not public) that WeCom accepts (PNG or JPG, at most 2 MB).</summary>
    private List<NotificationImage> NativeImages(Notification notification)
    {
        var result = new List<NotificationImage>();
        if (_options.Images != "upload")
        {
            return result;
        }

        foreach (var image in notification.Images)
        {
            if (image.Content.IsEmpty)
            {
                if (image.Url is null)
                {
                    WeComLog.ImageSkipped(_logger, _channel, image.Title, "neither the image bytes nor a stored URL are available");
                }

                continue;
            }

            if (image.Content.Length > WeComOptions.MaxImageBytes)
            {
                WeComLog.ImageSkipped(_logger, _channel, image.Title, $"{image.Content.Length} bytes is over WeCom's 2 MB image limit");
                continue;
            }

            if (image.ContentType is not ("image/png" or "image/jpeg"))
            {
                WeComLog.ImageSkipped(_logger, _channel, image.Title, $"WeCom takes PNG or JPG images, not {image.ContentType}");
                continue;
            }

            result.Add(image);
        }

        return result;
    }

    /// <summary>Everyone this notification pings: the configured lists plus those named by the data.</summary>
    private (IReadOnlyList<string> UserIds, IReadOnlyList<string> Mobiles, bool All) People(Notification notification)
    {
        if (!_mentions.Mentions(notification))
        {
            return ([], [], false);
        }

        var fromData = _mentions.FromData(notification, Input(notification, notification.Group, []));
        var users = _options.MentionedList.Concat(fromData.Where(e => !ChatMentionResolver.IsMobile(e)))
            .Where(e => !ChatMentionResolver.IsAll(e)).Distinct(StringComparer.Ordinal).ToList();
        var mobiles = _options.MentionedMobileList.Concat(fromData.Where(ChatMentionResolver.IsMobile))
            .Where(e => !ChatMentionResolver.IsAll(e)).Distinct(StringComparer.Ordinal).ToList();
        var all = _options.MentionedList.Concat(_options.MentionedMobileList).Concat(fromData).Any(ChatMentionResolver.IsAll);
        return (users, mobiles, all);
    }

    private List<(string, int, int)> SplitAtAlerts(Notification notification, IReadOnlyList<NotificationImage> linked, IReadOnlyList<string> userIds)
    {
        var alerts = notification.Group.Alerts;
        var parts = new List<(string, int, int)>();
        var start = 0;
        while (start < alerts.Count)
        {
            string? fitting = null;
            var end = start;
            string candidate;
            while (true)
            {
                candidate = RenderRange(notification, linked, start, end + 1, parts.Count == 0, userIds);
                if (Encoding.UTF8.GetByteCount(candidate) > _options.MaxBytes)
                {
                    break;
                }

                fitting = candidate;
                end++;
                if (end == alerts.Count)
                {
                    break;
                }
            }

            if (fitting is null)
            {
                WeComLog.Truncated(_logger, _channel, alerts[start].Name, _options.MaxBytes);
                parts.Add((Truncate(candidate), start, start + 1));
                start++;
            }
            else
            {
                parts.Add((fitting, start, end));
                start = end;
            }
        }

        return parts;
    }

    private string RenderRange(Notification notification, IReadOnlyList<NotificationImage> linked, int from, int to, bool first, IReadOnlyList<string> userIds)
    {
        var group = notification.Group;
        var alerts = group.Alerts.Skip(from).Take(to - from).ToList();
        var sub = group with { Alerts = alerts, Status = alerts.Any(a => a.IsFiring) ? "firing" : "resolved" };
        var images = linked.Where(i => i.AlertIndex >= from && i.AlertIndex < to).Select(i => i with { AlertIndex = i.AlertIndex - from }).ToList();
        return Decorate(Render(notification, sub, images), first ? notification.Notes : [], first ? userIds : []);
    }

    private string Truncate(string text)
    {
        var note = TruncationNote;
        var budget = _options.MaxBytes - Encoding.UTF8.GetByteCount(note) - 16;
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= budget)
        {
            return text;
        }

        var cut = budget;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            // Never cut inside a UTF-8 sequence.
            cut--;
        }

        var kept = Encoding.UTF8.GetString(bytes, 0, cut);
        var lastLine = kept.LastIndexOf('\n');
        if (lastLine > kept.Length / 2)
        {
            kept = kept[..lastLine];
        }

        return kept + note;
    }

    /// <summary>Adds the notes and the &lt;@userid&gt; mentions classic markdown pings (markdown_v2 has none).</summary>
    private string Decorate(string text, IReadOnlyList<string> notes, IReadOnlyList<string> userIds)
    {
        var sb = new StringBuilder(text.TrimEnd());
        foreach (var note in notes)
        {
            sb.Append("\n\n> ").Append(note);
        }

        if (_options.MessageType == "markdown")
        {
            var missing = userIds.Where(u => !text.Contains("<@" + u + ">", StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
            {
                sb.Append("\n\n").AppendJoin(' ', missing.Select(u => "<@" + u + ">"));
            }
        }

        return sb.ToString();
    }

    private TemplateInput Input(Notification notification, AlertGroup group, IReadOnlyList<NotificationImage> images) => new(group)
    {
        Images = images,
        Extras = ChatTemplateExtras.For(notification.Group, _options.Lang, _options.TimeZone, _publicUrl, notification.Digest),
    };

    private string Render(Notification notification, AlertGroup group, IReadOnlyList<NotificationImage> images) =>
        TemplateFallback.Render(notification.Digest is null ? _text : _digest, () => Input(notification, group, images),
            () => BuiltInText(group, images, notification.Digest), TemplateFailed);

    private ICompiledTemplate? Compile(ITemplateRenderer templates, string name, string text) =>
        TemplateFallback.Compile(templates, name, text, _options.TemplateProfile, TemplateFailed);

    private void TemplateFailed(string template, string error) => WeComLog.TemplateFailed(_logger, _channel, template, error);

    /// <summary>What the message says when no template can: status, names and summaries.</summary>
    internal static string BuiltInText(AlertGroup group, IReadOnlyList<NotificationImage> images, NotificationDigest? digest)
    {
        var sb = new StringBuilder();
        var firing = group.Alerts.Count(a => a.IsFiring);
        var names = string.Join(" ", group.Alerts.Select(a => a.Name).Distinct(StringComparer.Ordinal));
        sb.Append("## ").Append(group.Status == "firing" ? $"[FIRING:{firing}] " : "[RESOLVED] ").Append(names).Append("\n\n");
        if (digest is not null)
        {
            sb.Append("> ").Append(digest.Alerts).Append(" alerts in ").Append(digest.Notifications).Append(" notifications\n\n");
        }

        for (var i = 0; i < group.Alerts.Count; i++)
        {
            var a = group.Alerts[i];
            sb.Append("**").Append(a.Name).Append("** ").Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(summary);
            }

            sb.Append('\n');
            foreach (var image in images.Where(im => im.AlertIndex == i && im.Url is not null))
            {
                sb.Append('[').Append(image.Title).Append("](").Append(image.Url!.AbsoluteUri).Append(")\n");
            }
        }

        return sb.ToString();
    }
}
