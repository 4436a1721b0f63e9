using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.Discord;

/// <summary>
/// Builds the execute-webhook payload: one embed with the status colour, the title (linked to the alert's
/// source), the text and links as description, fields (status, counts, severity), the notes as footer and the
/// first chart as image; one more embed per further chart. Discord's limits (Embed Limits in its docs):
/// title 256, description 4,096, 25 fields of name 256 / value 1,024, footer 2,048, at most 10 embeds and
/// 6,000 characters across all embeds of a message; the message may carry 10 files. The text is what is cut.
/// </summary>
internal sealed class DiscordMessageBuilder
{
    public const int MaxEmbeds = 10;
    public const int MaxFiles = 10;
    public const int MaxTotalCharacters = 6000;
    private const int MaxTitle = 256;
    private const int MaxDescription = 4096;
    private const int MaxFooter = 2048;
    private const int MaxFieldValue = 1024;

    // Slack's palette, which Alertmanager users know: red for firing, green for resolved.
    private const int FiringColour = 0xE01E5A;
    private const int ResolvedColour = 0x2EB67D;

    private readonly string _channel;
    private readonly DiscordOptions _options;
    private readonly ILogger _logger;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;
    private readonly Uri? _publicUrl;

    public DiscordMessageBuilder(string channel, string path, DiscordOptions options, ITemplateRenderer templates, ILogger logger, Uri? publicUrl = null)
    {
        _publicUrl = publicUrl;
        _channel = channel;
        _options = options;
        _logger = logger;
        _title = Compile(templates, path + ".template.title", options.TitleTemplate, options.TemplateProfile);
        _text = Compile(templates, path + ".template.text", options.TextTemplate, options.TemplateProfile);
    }

    /// <summary>The field names and link labels follow <c>lang:</c> like the default templates.</summary>
    private bool Zh => _options.Lang == "zh";

    public DiscordMessage Build(Notification notification)
    {
        var group = notification.Group;
        var (files, images, skipped) = Charts(notification.Images);
        var title = Truncate(Render(_title, notification, BuiltInTitle(group)).Trim().ReplaceLineEndings(" "), MaxTitle);
        var text = Render(_text, notification, BuiltInText(group)).Trim();
        var links = AlertLinks.For(group);
        var linkLine = string.Join(" · ", new[] { (Zh ? "查看来源" : "Source", links.Source), (Zh ? "静默" : "Silence", links.Silence), ("Alertmanager", links.Alertmanager) }
            .Where(l => l.Item2 is not null && l.Item2.AbsoluteUri.Length <= 512).Select(l => $"[{l.Item1}]({l.Item2!.AbsoluteUri})"));
        var notes = notification.Notes.Concat(skipped).Where(n => !string.IsNullOrWhiteSpace(n)).ToList();
        var footer = Truncate(string.Join(" · ", notes.Select(n => n.ReplaceLineEndings(" "))), MaxFooter);
        var fields = Fields(group);
        var imageTitles = images.Skip(1).Select(i => Truncate(i.Title, MaxTitle)).ToList();

        // Every character of title, description, field names and values, footer, over all embeds, counts.
        var fixedCharacters = title.Length + footer.Length + fields.Sum(f => f.Name.Length + f.Value.Length) + imageTitles.Sum(t => t.Length);
        var room = Math.Min(MaxDescription, MaxTotalCharacters - fixedCharacters);
        var suffix = linkLine.Length > 0 ? "\n\n" + linkLine : "";
        if (suffix.Length > room / 2)
        {
            suffix = "";
        }

        var description = CutText(text, Math.Max(0, room - suffix.Length)) + suffix;
        if (description.Length < text.Length + suffix.Length)
        {
            DiscordLog.Trimmed(_logger, _channel, fixedCharacters + description.Length);
        }

        var colour = group.Status == "firing" ? FiringColour : ResolvedColour;
        var main = new JsonObject { ["title"] = title, ["color"] = colour };
        if (links.Source is { } source && source.AbsoluteUri.Length <= 2048)
        {
            main["url"] = source.AbsoluteUri;
        }

        if (description.Length > 0)
        {
            main["description"] = description;
        }

        main["fields"] = new JsonArray(fields.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["value"] = f.Value, ["inline"] = true }).ToArray());
        if (footer.Length > 0)
        {
            main["footer"] = new JsonObject { ["text"] = footer };
        }

        if (notification.CreatedAt != default)
        {
            main["timestamp"] = notification.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }

        if (images.Count > 0)
        {
            main["image"] = new JsonObject { ["url"] = images[0].Url };
        }

        var embeds = new JsonArray { main };
        for (var i = 1; i < images.Count; i++)
        {
            embeds.Add(new JsonObject { ["title"] = imageTitles[i - 1], ["color"] = colour, ["image"] = new JsonObject { ["url"] = images[i].Url } });
        }

        var payload = new JsonObject
        {
            ["embeds"] = embeds,
            // Alert text can contain "@everyone" or role mentions: never let it ping anyone.
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        };
        if (_options.Username is { } username)
        {
            payload["username"] = username;
        }

        if (_options.AvatarUrl is { } avatar)
        {
            payload["avatar_url"] = avatar.AbsoluteUri;
        }

        if (files.Count > 0)
        {
            payload["attachments"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject
            {
                ["id"] = f.Index, ["filename"] = f.FileName, ["description"] = f.Description,
            }).ToArray());
        }

        return new DiscordMessage(payload, files, fixedCharacters + description.Length);
    }

    /// <summary>Uploads within the 10-file and byte limits, public URLs otherwise, and a note for each chart left out.</summary>
    private (IReadOnlyList<DiscordFile> Files, IReadOnlyList<DiscordImage> Images, IReadOnlyList<string> Skipped) Charts(IReadOnlyList<NotificationImage> charts)
    {
        var files = new List<DiscordFile>();
        var images = new List<DiscordImage>();
        var skipped = new List<string>();
        long bytes = 0;
        foreach (var chart in charts)
        {
            var title = string.IsNullOrWhiteSpace(chart.Title) ? "chart" : chart.Title;
            if (images.Count >= MaxEmbeds)
            {
                skipped.Add($"chart \"{title}\" not shown: a Discord message holds at most {MaxEmbeds} embeds");
            }
            else if (!chart.Content.IsEmpty && files.Count < MaxFiles && bytes + chart.Content.Length <= _options.MaxUploadBytes)
            {
                var extension = chart.ContentType.Contains("jpeg", StringComparison.Ordinal) ? "jpg" : "png";
                var file = new DiscordFile(files.Count, $"chart-{chart.AlertIndex}-{files.Count}.{extension}", Truncate(title, 1024), chart.Content, chart.ContentType);
                files.Add(file);
                bytes += chart.Content.Length;
                images.Add(new DiscordImage(title, file.AttachmentUrl));
            }
            else if (chart is { IsUrlPublic: true, Url: not null } && chart.Url.AbsoluteUri.Length <= 2048)
            {
                images.Add(new DiscordImage(title, chart.Url.AbsoluteUri));
            }
            else
            {
                skipped.Add(chart.Content.IsEmpty
                    ? $"chart \"{title}\" not attached: not stored where Discord can fetch it"
                    : $"chart \"{title}\" not attached: over the webhook's upload limit of {_options.MaxUploadBytes / (1024 * 1024.0):0.#} MiB per message");
            }
        }

        return (files, images, skipped);
    }

    private List<(string Name, string Value)> Fields(AlertGroup group)
    {
        var fields = new List<(string, string)>
        {
            (Zh ? "状态" : "Status", Zh ? (group.Status == "firing" ? "告警中" : "已恢复") : group.Status),
            (Zh ? "触发中" : "Firing", group.Alerts.Count(a => a.IsFiring).ToString(CultureInfo.InvariantCulture)),
            (Zh ? "已恢复" : "Resolved", group.Alerts.Count(a => !a.IsFiring).ToString(CultureInfo.InvariantCulture)),
        };
        if (group.CommonLabels.TryGetValue("severity", out var severity) && severity.Length > 0)
        {
            fields.Add((Zh ? "级别" : "Severity", Truncate(severity, MaxFieldValue)));
        }

        return fields;
    }

    /// <summary>
    /// <see cref="Truncate"/> for the text, cut at a line end when there is one in the second half of what fits:
    /// the default templates end each alert with a line of links, which a cut inside would leave as broken markdown.
    /// </summary>
    internal static string CutText(string text, int max)
    {
        if (text.Length <= max || max < 4)
        {
            return Truncate(text, max);
        }

        var line = text.LastIndexOf('\n', max - 2);
        return line >= max / 2 ? text[..line] + "\n…" : Truncate(text, max);
    }

    internal static string Truncate(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        if (max <= 1)
        {
            return max == 1 ? "…" : "";
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

    private void TemplateFailed(string template, string error) => DiscordLog.TemplateFailed(_logger, _channel, template, error);

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
            sb.Append("- **").Append(a.Name).Append("** ").Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(summary);
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
