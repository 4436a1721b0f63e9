using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.Slack;

/// <summary>A rendered message: the notification text (fallback) and its Block Kit blocks.</summary>
internal sealed record SlackMessage(string Text, JsonArray Blocks);

/// <summary>
/// Renders a notification as Block Kit: a header (the title), the text in mrkdwn sections, a fields
/// section (status, severity, counts), an image block per chart with a public URL, and the notes as
/// context. Respects Slack's limits: header text ≤ 150 characters, section text ≤ 3,000, ≤ 10 fields,
/// ≤ 50 blocks, image alt_text ≤ 2,000 and image_url ≤ 3,000.
/// </summary>
internal sealed class SlackMessageBuilder
{
    private const int MaxBlocks = 50;
    private const int MaxHeader = 150;
    private const int MaxSection = 3000;
    private const int MaxSections = 10;

    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;
    private readonly SlackOptions _options;
    private readonly Uri? _publicUrl;
    private readonly ChatMentionResolver _mentions;

    public SlackMessageBuilder(string channel, string path, SlackOptions options, ITemplateRenderer templates, ILogger logger, Uri? publicUrl = null)
    {
        _channel = channel;
        _logger = logger;
        _options = options;
        _publicUrl = publicUrl;
        var mentionTemplate = options.Mentions.Template is { } m ? Compile(templates, path + ".mention_template", m, options.TemplateProfile) : null;
        _mentions = new ChatMentionResolver(options.Mentions, mentionTemplate, e => SlackLog.TemplateFailed(_logger, _channel, path + ".mention_template", e));
        _title = Compile(templates, path + ".template.title", options.TitleTemplate, options.TemplateProfile);
        _text = Compile(templates, path + ".template.text", options.TextTemplate, options.TemplateProfile);
    }

    public SlackMessage Build(Notification notification, bool includeImages)
    {
        var group = notification.Group;
        var title = Render(_title, notification, BuiltInTitle(group)).Trim();
        var text = Render(_text, notification, BuiltInText(group)).Trim();
        if (Mentions(notification) is { Length: > 0 } mentions)
        {
            // Slack pings only mentions written in the text: <@U…> for a user, <!here> / <!channel> for everyone.
            text += "\n" + mentions;
        }

        var blocks = new JsonArray { Header(title) };
        foreach (var chunk in Chunks(text, MaxSection).Take(MaxSections))
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = Text("mrkdwn", chunk) });
        }

        blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = Fields(group) });
        if (notification.Notes.Count > 0)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(notification.Notes.Take(10).Select(n => (JsonNode)Text("mrkdwn", Truncate(n, MaxSection))).ToArray()),
            });
        }

        if (includeImages)
        {
            foreach (var image in notification.Images.Where(i => i is { IsUrlPublic: true, Url: not null } && i.Url.AbsoluteUri.Length <= 3000))
            {
                if (blocks.Count >= MaxBlocks)
                {
                    break;
                }

                var label = Truncate(string.IsNullOrWhiteSpace(image.Title) ? "chart" : image.Title, 2000);
                blocks.Add(new JsonObject
                {
                    ["type"] = "image",
                    ["image_url"] = image.Url!.AbsoluteUri,
                    ["alt_text"] = label,
                    ["title"] = Text("plain_text", label),
                });
            }
        }

        // Slack shows `text` in notifications and where blocks cannot be shown.
        return new SlackMessage(Truncate(title + "\n" + text, 4000), blocks);
    }

    /// <summary>A short reply for the thread of an updated message ("Resolved: …").</summary>
    public string ThreadReply(Notification notification)
    {
        var group = notification.Group;
        return Truncate(Render(_title, notification, BuiltInTitle(group)).Trim(), 3000);
    }

    /// <summary>The mention line: configured users and those named by the data; none on a resolved notification
    /// unless mention_on_resolved.</summary>
    private string Mentions(Notification notification)
    {
        if (!_mentions.Mentions(notification))
        {
            return "";
        }

        var input = new TemplateInput(notification.Group)
        {
            Extras = ChatTemplateExtras.For(notification.Group, _options.Lang, _options.TimeZone, _publicUrl, notification.Digest),
        };
        var people = _options.MentionUsers.Concat(_mentions.FromData(notification, input)).Distinct(StringComparer.Ordinal);
        return string.Join(" ", people.Select(p => p switch
        {
            "here" or "@here" => "<!here>",
            "channel" or "@channel" or "all" or "@all" => "<!channel>",
            _ when p.StartsWith("<", StringComparison.Ordinal) => p,
            _ => $"<@{p.TrimStart('@')}>",
        }));
    }

    private static JsonObject Header(string title) => new() { ["type"] = "header", ["text"] = Text("plain_text", Truncate(title.ReplaceLineEndings(" "), MaxHeader)) };

    private static JsonArray Fields(AlertGroup group)
    {
        var fields = new JsonArray
        {
            Text("mrkdwn", $"*Status*\n{group.Status}"),
            Text("mrkdwn", $"*Firing*\n{group.Alerts.Count(a => a.IsFiring)}"),
            Text("mrkdwn", $"*Resolved*\n{group.Alerts.Count(a => !a.IsFiring)}"),
        };
        if (group.CommonLabels.TryGetValue("severity", out var severity) && severity.Length > 0)
        {
            fields.Add(Text("mrkdwn", "*Severity*\n" + Truncate(severity, 1900)));
        }

        return fields;
    }

    private static JsonObject Text(string type, string text) => new() { ["type"] = type, ["text"] = text.Length == 0 ? " " : text };

    private static IEnumerable<string> Chunks(string text, int size)
    {
        if (text.Length == 0)
        {
            yield return " ";
            yield break;
        }

        var start = 0;
        while (start < text.Length)
        {
            var length = Math.Min(size, text.Length - start);
            if (start + length < text.Length)
            {
                // Cut at a line break when there is one in the second half, and never inside a surrogate pair.
                var nl = text.LastIndexOf('\n', start + length - 1, length);
                if (nl > start + (length / 2))
                {
                    length = nl - start + 1;
                }
                else if (char.IsHighSurrogate(text[start + length - 1]))
                {
                    length--;
                }
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }

    private static string Truncate(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - 1;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + "…";
    }

    private string Render(ICompiledTemplate? template, Notification notification, string fallback) =>
        TemplateFallback.Render(template, () => ChatTemplateExtras.Input(notification, _options.Lang, _options.TimeZone, _publicUrl), fallback, TemplateFailed);

    private ICompiledTemplate? Compile(ITemplateRenderer templates, string name, string text, string profile) =>
        TemplateFallback.Compile(templates, name, text, profile, TemplateFailed);

    private void TemplateFailed(string template, string error) => SlackLog.TemplateFailed(_logger, _channel, template, error);

    internal static string BuiltInTitle(AlertGroup group)
    {
        var names = string.Join(" ", group.Alerts.Select(a => a.Name).Distinct(StringComparer.Ordinal));
        return group.Status == "firing" ? $"[FIRING:{group.Alerts.Count(a => a.IsFiring)}] {names}" : $"[RESOLVED] {names}";
    }

    internal static string BuiltInText(AlertGroup group)
    {
        var sb = new StringBuilder();
        foreach (var a in group.Alerts)
        {
            sb.Append("• *").Append(a.Name).Append("* ").Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(summary);
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
