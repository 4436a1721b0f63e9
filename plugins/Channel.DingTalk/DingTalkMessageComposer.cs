using System.Text;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.DingTalk;

/// <summary>One robot message: a part of a notification that may have been split.</summary>
internal sealed record DingTalkPart(string Title, string Text, DingTalkAt At);

/// <summary>
/// Renders a notification into one or more markdown messages: the templates (or the built-in message when
/// a template fails), the keyword, the "@…" mentions DingTalk needs in the text for <c>at</c> to ping, the
/// notes; and, when the result is over DingTalk's 20,000-byte limit, a split at alert boundaries (a single
/// alert over the limit is truncated with a note).
/// </summary>
internal sealed class DingTalkMessageComposer
{
    private const string TruncationNote = "\n\n> … (truncated: this alert's text is over DingTalk's 20,000-byte message limit)";

    private readonly string _channel;
    private readonly DingTalkOptions _options;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;
    private readonly ICompiledTemplate? _digestTitle;
    private readonly ICompiledTemplate? _digestText;
    private readonly ChatMentionResolver _mentions;
    private readonly Uri? _publicUrl;
    private readonly ILogger _logger;

    // The notification being composed: its digest picks the templates, its people are mentioned in the first part.
    private Notification? _current;
    private DingTalkAt _at = new([], [], false);

    public DingTalkMessageComposer(string channel, string path, DingTalkOptions options, ITemplateRenderer templates, ILogger logger, Uri? publicUrl = null)
    {
        _channel = channel;
        _options = options;
        _logger = logger;
        _publicUrl = publicUrl;
        _title = Compile(templates, path + ".template.title", options.TitleTemplate);
        _text = Compile(templates, path + ".template.text", options.TextTemplate);
        _digestTitle = Compile(templates, path + ".digest_template.title", options.DigestTitleTemplate);
        _digestText = Compile(templates, path + ".digest_template.text", options.DigestTextTemplate);
        var mentionTemplate = options.Mentions.Template is { } m ? Compile(templates, path + ".mention_template", m) : null;
        _mentions = new ChatMentionResolver(options.Mentions, mentionTemplate, e => DingTalkLog.TemplateFailed(_logger, _channel, path + ".mention_template", e));
    }

    public IReadOnlyList<DingTalkPart> Compose(Notification notification)
    {
        lock (_mentions)
        {
            _current = notification;
            _at = People(notification);
            try
            {
                return ComposeCurrent(notification);
            }
            finally
            {
                _current = null;
            }
        }
    }

    private IReadOnlyList<DingTalkPart> ComposeCurrent(Notification notification)
    {
        var group = notification.Group;
        var none = new DingTalkAt([], [], false);
        var title = Render(notification.Digest is null ? _title : _digestTitle, group, notification.Images, BuiltInTitle);
        var whole = Decorate(Render(notification.Digest is null ? _text : _digestText, group, notification.Images, BuiltInText), notification.Notes, mentions: true);
        var size = Encoding.UTF8.GetByteCount(whole);
        if (size <= _options.MaxBytes || group.Alerts.Count == 0)
        {
            return [new DingTalkPart(title, size <= _options.MaxBytes ? whole : Truncate(whole, group), _at)];
        }

        var chunks = SplitAtAlerts(notification);
        DingTalkLog.Split(_logger, _channel, size, _options.MaxBytes, chunks.Count);
        return chunks.Select((text, i) => new DingTalkPart($"{title} ({i + 1}/{chunks.Count})", text, i == 0 ? _at : none)).ToList();
    }

    /// <summary>Who the notification pings: the configured people and those named by the data; nobody on a resolved
    /// notification unless mention_on_resolved.</summary>
    private DingTalkAt People(Notification notification)
    {
        if (!_mentions.Mentions(notification))
        {
            return new DingTalkAt([], [], false);
        }

        var fromData = _mentions.FromData(notification, new TemplateInput(notification.Group) { Extras = Extras(notification) });
        var mobiles = _options.AtMobiles.Concat(fromData.Where(ChatMentionResolver.IsMobile)).Distinct(StringComparer.Ordinal).ToList();
        var users = _options.AtUserIds.Concat(fromData.Where(e => !ChatMentionResolver.IsMobile(e) && !ChatMentionResolver.IsAll(e)))
            .Distinct(StringComparer.Ordinal).ToList();
        return new DingTalkAt(mobiles, users, _options.AtAll || fromData.Any(ChatMentionResolver.IsAll));
    }

    private Dictionary<string, object?> Extras(Notification notification)
    {
        var extras = ChatTemplateExtras.For(notification.Group, _options.Lang, _options.TimeZone, _publicUrl, notification.Digest);
        extras["AtMobiles"] = _at.AtMobiles;
        extras["AtUserIds"] = _at.AtUserIds;
        return extras;
    }

    /// <summary>Greedily packs consecutive alerts into parts that each fit the limit.</summary>
    private List<string> SplitAtAlerts(Notification notification)
    {
        var alerts = notification.Group.Alerts;
        var parts = new List<string>();
        var start = 0;
        string? fitting = null;
        var end = start;
        while (start < alerts.Count)
        {
            // Try to add alert `end` to the part [start, end).
            var candidate = RenderRange(notification, start, end + 1, parts.Count == 0);
            if (Encoding.UTF8.GetByteCount(candidate) <= _options.MaxBytes)
            {
                fitting = candidate;
                end++;
                if (end < alerts.Count)
                {
                    continue;
                }
            }

            if (fitting is null)
            {
                // This alert alone is over the limit.
                DingTalkLog.Truncated(_logger, _channel, alerts[start].Name, _options.MaxBytes);
                parts.Add(Truncate(candidate, notification.Group));
                end = start + 1;
            }
            else
            {
                parts.Add(fitting);
            }

            start = end;
            fitting = null;
        }

        return parts;
    }

    private string RenderRange(Notification notification, int from, int to, bool first)
    {
        var group = notification.Group;
        var alerts = group.Alerts.Skip(from).Take(to - from).ToList();
        var sub = group with { Alerts = alerts, Status = alerts.Any(a => a.IsFiring) ? "firing" : "resolved" };
        var images = notification.Images.Where(i => i.AlertIndex >= from && i.AlertIndex < to)
            .Select(i => i with { AlertIndex = i.AlertIndex - from }).ToList();
        return Decorate(Render(notification.Digest is null ? _text : _digestText, sub, images, BuiltInText), first ? notification.Notes : [], mentions: first);
    }

    private string Truncate(string text, AlertGroup group)
    {
        _ = group;
        var budget = _options.MaxBytes - Encoding.UTF8.GetByteCount(TruncationNote) - 16;
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

        // Keep the keyword: DingTalk rejects a message without it.
        if (_options.Keyword is { } k && !kept.Contains(k, StringComparison.Ordinal))
        {
            kept = k + "\n\n" + kept;
        }

        return kept + TruncationNote;
    }

    /// <summary>Adds the notes, the "@…" mentions (DingTalk pings only those also written in the text) and the keyword.</summary>
    private string Decorate(string text, IReadOnlyList<string> notes, bool mentions)
    {
        var sb = new StringBuilder(text.TrimEnd());
        foreach (var note in notes)
        {
            sb.Append("\n\n> ").Append(note);
        }

        if (mentions)
        {
            var missing = _at.AtMobiles.Concat(_at.AtUserIds)
                .Where(m => !text.Contains("@" + m, StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
            {
                sb.Append("\n\n").AppendJoin(' ', missing.Select(m => "@" + m));
            }
        }

        var result = sb.ToString();
        if (_options.Keyword is { } keyword && !result.Contains(keyword, StringComparison.Ordinal))
        {
            // A robot secured by keywords drops messages without one (errcode 310000).
            result = keyword + "\n\n" + result;
        }

        return result;
    }

    private string Render(ICompiledTemplate? template, AlertGroup group, IReadOnlyList<NotificationImage> images, Func<AlertGroup, IReadOnlyList<NotificationImage>, string> builtIn) =>
        TemplateFallback.Render(template, () => new TemplateInput(group)
        {
            Images = images,
            Extras = _current is { } n ? Extras(n) : new Dictionary<string, object?>
            {
                ["AtMobiles"] = _at.AtMobiles,
                ["AtUserIds"] = _at.AtUserIds,
            },
        }, () => builtIn(group, images), TemplateFailed);

    private ICompiledTemplate? Compile(ITemplateRenderer templates, string name, string text) =>
        TemplateFallback.Compile(templates, name, text, _options.TemplateProfile, TemplateFailed);

    private void TemplateFailed(string template, string error) => DingTalkLog.TemplateFailed(_logger, _channel, template, error);

    /// <summary>"[FIRING:2] HighCPU DiskFull": what the message is about when no template can say it.</summary>
    internal static string BuiltInTitle(AlertGroup group, IReadOnlyList<NotificationImage> images)
    {
        _ = images;
        var firing = group.Alerts.Count(a => a.IsFiring);
        var names = string.Join(" ", group.Alerts.Select(a => a.Name).Distinct(StringComparer.Ordinal));
        return group.Status == "firing" ? $"[FIRING:{firing}] {names}" : $"[RESOLVED] {names}";
    }

    internal static string BuiltInText(AlertGroup group, IReadOnlyList<NotificationImage> images)
    {
        var sb = new StringBuilder();
        sb.Append("#### ").Append(BuiltInTitle(group, images)).Append("\n\n");
        for (var i = 0; i < group.Alerts.Count; i++)
        {
            var a = group.Alerts[i];
            sb.Append("- **").Append(a.Name).Append("** ").Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(summary);
            }

            sb.Append('\n');
            foreach (var image in images.Where(im => im.AlertIndex == i && im.Url is not null))
            {
                sb.Append("\n  ![").Append(image.Title).Append("](").Append(image.Url!.AbsoluteUri).Append(")\n");
            }
        }

        return sb.ToString();
    }
}
