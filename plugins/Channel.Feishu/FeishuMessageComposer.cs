using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.Feishu;

/// <summary>
/// Renders a notification into interactive cards: a header coloured by status and severity, the fields (status,
/// severity, counts), the templated text (with &lt;at&gt; mentions and notes), the uploaded charts as <c>img</c>
/// elements, and buttons to the source, the silence form and Promoter's alert page. A card over Feishu's 20 KB body
/// limit is split at alert boundaries (a single alert over it is truncated with a note).
/// </summary>
internal sealed class FeishuMessageComposer
{
    // The body also carries "timestamp" and "sign" (44 base64 characters): keep room for them.
    private const int EnvelopeReserve = 120;

    private readonly string _channel;
    private readonly FeishuOptions _options;
    private readonly Uri? _publicUrl;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;
    private readonly ICompiledTemplate? _digestTitle;
    private readonly ICompiledTemplate? _digestText;
    private readonly ChatMentionResolver _mentions;
    private readonly ILogger _logger;

    public FeishuMessageComposer(string channel, string path, FeishuOptions options, Uri? publicUrl, ITemplateRenderer templates, ILogger logger)
    {
        _channel = channel;
        _options = options;
        _publicUrl = publicUrl;
        _logger = logger;
        _title = Compile(templates, path + ".template.title", options.TitleTemplate);
        _text = Compile(templates, path + ".template.text", options.TextTemplate);
        _digestTitle = Compile(templates, path + ".digest_template.title", options.DigestTitleTemplate);
        _digestText = Compile(templates, path + ".digest_template.text", options.DigestTextTemplate);
        var mentionTemplate = options.Mentions.Template is { } m ? Compile(templates, path + ".mention_template", m) : null;
        _mentions = new ChatMentionResolver(options.Mentions, mentionTemplate, e => FeishuLog.MentionTemplateFailed(_logger, _channel, e));
    }

    private bool Zh => _options.Lang == "zh";

    /// <param name="keys">image_keys of the uploaded charts, by index in <see cref="Notification.Images"/>.</param>
    public IReadOnlyList<JsonObject> Compose(Notification notification, IReadOnlyDictionary<int, string> keys)
    {
        var group = notification.Group;
        var linked = notification.Images.Where((im, i) => im.Url is not null && !keys.ContainsKey(i)).ToList();
        var mentions = Mentions(notification);
        var whole = Card(notification, 0, group.Alerts.Count, keys, linked, mentions, notification.Notes);
        var size = Size(whole);
        if (size <= _options.MaxBytes - EnvelopeReserve || group.Alerts.Count <= 1)
        {
            return [size <= _options.MaxBytes - EnvelopeReserve ? whole : Shrink(notification, 0, group.Alerts.Count, keys, linked, mentions)];
        }

        var cards = new List<JsonObject>();
        var start = 0;
        while (start < group.Alerts.Count)
        {
            JsonObject? fitting = null;
            var end = start;
            while (end < group.Alerts.Count)
            {
                var first = cards.Count == 0;
                var candidate = Card(notification, start, end + 1, keys, linked, first ? mentions : "", first ? notification.Notes : []);
                if (Size(candidate) > _options.MaxBytes - EnvelopeReserve)
                {
                    break;
                }

                fitting = candidate;
                end++;
            }

            if (fitting is null)
            {
                FeishuLog.Truncated(_logger, _channel, group.Alerts[start].Name, _options.MaxBytes);
                cards.Add(Shrink(notification, start, start + 1, keys, linked, cards.Count == 0 ? mentions : ""));
                start++;
            }
            else
            {
                cards.Add(fitting);
                start = end;
            }
        }

        FeishuLog.Split(_logger, _channel, size, _options.MaxBytes, cards.Count);
        return cards;
    }

    private static int Size(JsonObject card) => FeishuJson.Bytes(card).Length;

    /// <summary>One alert whose card is over the limit: cut its text until the card fits.</summary>
    private JsonObject Shrink(Notification notification, int from, int to, IReadOnlyDictionary<int, string> keys, IReadOnlyList<NotificationImage> linked, string mentions)
    {
        var note = Zh ? "\n\n…（已截断：内容超过飞书 20 KB 的消息上限）" : "\n\n… (truncated: over Feishu's 20 KB message limit)";
        var card = Card(notification, from, to, keys, linked, mentions, notification.Notes);
        var text = Text(card);
        while (Size(card) > _options.MaxBytes - EnvelopeReserve && text.Length > 0)
        {
            var over = Size(card) - (_options.MaxBytes - EnvelopeReserve) + Encoding.UTF8.GetByteCount(note) + 64;
            var bytes = Encoding.UTF8.GetBytes(text);
            var cut = Math.Max(0, bytes.Length - over);
            while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            {
                // Never cut inside a UTF-8 sequence.
                cut--;
            }

            text = Encoding.UTF8.GetString(bytes, 0, cut);
            SetText(card, text + note);
        }

        return card;
    }

    private JsonObject Card(Notification notification, int from, int to, IReadOnlyDictionary<int, string> keys,
        IReadOnlyList<NotificationImage> linked, string mentions, IReadOnlyList<string> notes)
    {
        var group = notification.Group;
        var alerts = group.Alerts.Skip(from).Take(to - from).ToList();
        var sub = from == 0 && to == group.Alerts.Count
            ? group
            : group with { Alerts = alerts, Status = alerts.Any(a => a.IsFiring) ? "firing" : "resolved" };
        var images = linked.Where(i => i.AlertIndex >= from && i.AlertIndex < to).Select(i => i with { AlertIndex = i.AlertIndex - from }).ToList();
        var digest = notification.Digest;
        var title = Render(digest is null ? _title : _digestTitle, notification, sub, images, BuiltInTitle).Trim();
        if (title.Length == 0)
        {
            title = BuiltInTitle(sub, images, digest);
        }

        var text = new StringBuilder(Render(digest is null ? _text : _digestText, notification, sub, images, BuiltInText).TrimEnd());
        foreach (var note in notes)
        {
            text.Append("\n\n> ").Append(note);
        }

        if (mentions.Length > 0)
        {
            text.Append("\n\n").Append(mentions);
        }

        var elements = new JsonArray
        {
            Fields(sub, digest),
            new JsonObject { ["tag"] = "markdown", ["content"] = text.ToString() },
        };
        for (var i = 0; i < notification.Images.Count; i++)
        {
            var image = notification.Images[i];
            if (image.AlertIndex >= from && image.AlertIndex < to && keys.TryGetValue(i, out var key))
            {
                elements.Add(new JsonObject
                {
                    ["tag"] = "img",
                    ["img_key"] = key,
                    ["alt"] = FeishuJson.PlainText(image.Title),
                    ["title"] = FeishuJson.PlainText(image.Title),
                });
            }
        }

        if (Buttons(sub) is { Count: > 0 } buttons)
        {
            elements.Add(new JsonObject { ["tag"] = "hr" });
            elements.Add(new JsonObject { ["tag"] = "action", ["actions"] = buttons });
        }

        return new JsonObject
        {
            ["config"] = new JsonObject { ["wide_screen_mode"] = true },
            ["header"] = new JsonObject
            {
                ["title"] = FeishuJson.PlainText(title.Length > 200 ? title[..200] : title),
                ["template"] = Colour(sub, digest),
            },
            ["elements"] = elements,
        };
    }

    private static string Text(JsonObject card) => card["elements"]![1]!["content"]!.GetValue<string>();

    private static void SetText(JsonObject card, string text) => card["elements"]![1]!["content"] = text;

    /// <summary>Red for critical, orange for warning, blue for info while firing; green once resolved.</summary>
    internal static string Colour(AlertGroup group, NotificationDigest? digest)
    {
        if (group.Status == "resolved" && (digest is null || digest.Firing == 0))
        {
            return "green";
        }

        var severities = group.Alerts.Where(a => a.IsFiring).Select(a => a.Labels.TryGetValue("severity", out var s) ? s.ToLowerInvariant() : "").ToList();
        if (severities.Any(s => s is "critical" or "error" or "page" or "p1" or "high" or "disaster" or ""))
        {
            return "red";
        }

        if (severities.Any(s => s is "warning" or "warn" or "p2" or "medium" or "average"))
        {
            return "orange";
        }

        return "blue";
    }

    private JsonObject Fields(AlertGroup group, NotificationDigest? digest)
    {
        var firing = digest?.Firing ?? group.Alerts.Count(a => a.IsFiring);
        var resolved = digest?.Resolved ?? group.Alerts.Count(a => !a.IsFiring);
        var severities = string.Join(", ", group.Alerts.Select(a => a.Labels.TryGetValue("severity", out var s) ? s : "").Where(s => s.Length > 0).Distinct(StringComparer.Ordinal));
        var status = group.Status == "firing" ? (Zh ? "🔥 告警中" : "🔥 Firing") : (Zh ? "✅ 已恢复" : "✅ Resolved");
        static JsonObject Field(string name, string value) => new()
        {
            ["is_short"] = true,
            ["text"] = new JsonObject { ["tag"] = "lark_md", ["content"] = $"**{name}**\n{value}" },
        };

        return new JsonObject
        {
            ["tag"] = "div",
            ["fields"] = new JsonArray
            {
                Field(Zh ? "状态" : "Status", status),
                Field(Zh ? "级别" : "Severity", severities.Length == 0 ? "-" : severities),
                Field(Zh ? "触发" : "Firing", firing.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Field(Zh ? "恢复" : "Resolved", resolved.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
        };
    }

    /// <summary>URL buttons (custom bots have no callbacks): the first alert's source, the silence form for the group's common labels, Promoter's page.</summary>
    private JsonArray Buttons(AlertGroup group)
    {
        var buttons = new JsonArray();
        void Add(string text, string url, string type)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps))
            {
                buttons.Add(new JsonObject { ["tag"] = "button", ["text"] = FeishuJson.PlainText(text), ["type"] = type, ["url"] = u.AbsoluteUri });
            }
        }

        var first = group.Alerts.FirstOrDefault(a => a.IsFiring) ?? group.Alerts.FirstOrDefault();
        if (first is not null && first.GeneratorUrl.Length > 0)
        {
            Add(Zh ? "查看来源" : "Source", first.GeneratorUrl, "primary");
        }

        if (group.ExternalUrl.Length > 0 && group.Status == "firing")
        {
            var labels = group.Alerts.Count == 1 ? group.Alerts[0].Labels : group.CommonLabels;
            Add(Zh ? "静默" : "Silence", SilenceUrl(group.ExternalUrl, labels), "default");
        }

        if (_publicUrl is not null && first is not null && first.Fingerprint.Length > 0)
        {
            Add(Zh ? "告警页面" : "Alert page", _publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/alerts/" + Uri.EscapeDataString(first.Fingerprint), "default");
        }

        return buttons;
    }

    /// <summary>Alertmanager's new-silence form with <paramref name="labels"/> as matchers (<c>{a="b",c="d"}</c>), URL-encoded.</summary>
    internal static string SilenceUrl(string externalUrl, IReadOnlyDictionary<string, string> labels)
    {
        var names = labels.Keys.Order(StringComparer.Ordinal).ToList();
        if (names.Remove("alertname"))
        {
            names.Insert(0, "alertname");
        }

        var matchers = "{" + string.Join(",", names.Select(n => n + "=\"" + labels[n].Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"")) + "}";
        return externalUrl.TrimEnd('/') + "/#/silences/new?filter=" + Uri.EscapeDataString(matchers);
    }

    /// <summary>The &lt;at&gt; tags of everyone this notification pings (configured and from the data).</summary>
    private string Mentions(Notification notification)
    {
        if (!_mentions.Mentions(notification))
        {
            return "";
        }

        var input = new TemplateInput(notification.Group) { Extras = Extras(notification) };
        var people = _options.AtUserIds.Concat(_mentions.FromData(notification, input)).Distinct(StringComparer.Ordinal).ToList();
        var all = _options.AtAll || people.Any(ChatMentionResolver.IsAll);
        var tags = people.Where(p => !ChatMentionResolver.IsAll(p))
            .Select(p => p.Contains('@', StringComparison.Ordinal) ? $"<at email={p}></at>" : $"<at id={p}></at>").ToList();
        if (all)
        {
            tags.Add("<at id=all></at>");
        }

        return string.Join(" ", tags);
    }

    private Dictionary<string, object?> Extras(Notification notification) =>
        ChatTemplateExtras.For(notification.Group, _options.Lang, _options.TimeZone, _publicUrl, notification.Digest);

    private string Render(ICompiledTemplate? template, Notification notification, AlertGroup group, IReadOnlyList<NotificationImage> images,
        Func<AlertGroup, IReadOnlyList<NotificationImage>, NotificationDigest?, string> builtIn) =>
        TemplateFallback.Render(template, () => new TemplateInput(group) { Images = images, Extras = Extras(notification) },
            () => builtIn(group, images, notification.Digest), TemplateFailed);

    private ICompiledTemplate? Compile(ITemplateRenderer templates, string name, string text) =>
        TemplateFallback.Compile(templates, name, text, _options.TemplateProfile, TemplateFailed);

    private void TemplateFailed(string template, string error) => FeishuLog.TemplateFailed(_logger, _channel, template, error);

    internal static string BuiltInTitle(AlertGroup group, IReadOnlyList<NotificationImage> images, NotificationDigest? digest)
    {
        _ = images;
        if (digest is not null)
        {
            return $"[DIGEST] {digest.Alerts} alerts in {digest.Notifications} notifications";
        }

        var firing = group.Alerts.Count(a => a.IsFiring);
        var names = string.Join(" ", group.Alerts.Select(a => a.Name).Distinct(StringComparer.Ordinal));
        return group.Status == "firing" ? $"[FIRING:{firing}] {names}" : $"[RESOLVED] {names}";
    }

    internal static string BuiltInText(AlertGroup group, IReadOnlyList<NotificationImage> images, NotificationDigest? digest)
    {
        _ = digest;
        var sb = new StringBuilder();
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
