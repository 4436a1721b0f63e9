using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.Teams;

/// <summary>A card ready to post: its UTF-8 body, and what had to give way to the size budget.</summary>
internal sealed record TeamsCard(byte[] Body, int InlineCharts, int OmittedCharts, bool TextCut);

/// <summary>
/// Builds the Adaptive Card: a coloured header (attention for firing, good for resolved) with the title, the
/// text, a fact set (status, counts, severity, common labels), the charts, the notes, and buttons to the source,
/// a new silence and Alertmanager. Teams refuses messages over about 28 KB, counted in bytes, and a Workflows
/// webhook accepts the request (202) before the post fails, so a card over the limit would vanish silently:
/// the card is sized before it is sent. The text comes first; a chart with a public URL costs only its URL; a
/// chart without one goes inline as a data: URI only if it still fits, otherwise the card says it was left out.
/// </summary>
internal sealed class TeamsCardBuilder
{
    private const int MaxFacts = 12;
    private const int MaxFactValue = 200;
    private const int MaxTitle = 300;
    private const int MaxNotes = 10;
    private const int MaxNote = 300;

    private readonly string _channel;
    private readonly TeamsOptions _options;
    private readonly ILogger _logger;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;
    private readonly Uri? _publicUrl;

    public TeamsCardBuilder(string channel, string path, TeamsOptions options, ITemplateRenderer templates, ILogger logger, Uri? publicUrl = null)
    {
        _publicUrl = publicUrl;
        _channel = channel;
        _options = options;
        _logger = logger;
        _title = Compile(templates, path + ".template.title", options.TitleTemplate, options.TemplateProfile);
        _text = Compile(templates, path + ".template.text", options.TextTemplate, options.TemplateProfile);
    }

    /// <summary>The fact names and buttons follow <c>lang:</c> like the default templates.</summary>
    private bool Zh => _options.Lang == "zh";

    public TeamsCard Build(Notification notification)
    {
        var group = notification.Group;
        var title = Truncate(Render(_title, notification, BuiltInTitle(group)).Trim().ReplaceLineEndings(" "), MaxTitle);
        var text = Render(_text, notification, BuiltInText(group)).Trim();
        var links = AlertLinks.For(group);
        var budget = _options.MaxMessageBytes;

        // Public URLs cost little and are always shown; the others are candidates for inlining.
        var images = new List<(string Title, string Url)>();
        var inline = new List<(string Title, NotificationImage Image)>();
        var unavailable = new List<string>();
        foreach (var image in notification.Images)
        {
            var label = string.IsNullOrWhiteSpace(image.Title) ? "chart" : image.Title;
            if (image is { IsUrlPublic: true, Url: not null } && image.Url.AbsoluteUri.Length <= 2048)
            {
                images.Add((label, image.Url.AbsoluteUri));
            }
            else if (!image.Content.IsEmpty)
            {
                inline.Add((label, image));
            }
            else
            {
                unavailable.Add($"Chart \"{label}\" not shown: it is not stored where Teams can fetch it.");
            }
        }

        string OmittedNote(string label) =>
            $"Chart \"{label}\" left out: inline it would pass Teams' 28 KB message limit; give the receiver a store with a public URL to show it.";

        // 1. Text first, with every inline candidate counted as left out (its note takes room too).
        // Notes are bounded too, so that the card's fixed part can never exceed the budget on its own.
        var notes = notification.Notes.Where(n => !string.IsNullOrWhiteSpace(n)).Take(MaxNotes).Select(n => Truncate(n, MaxNote)).Concat(unavailable).ToList();
        var worstNotes = notes.Concat(inline.Select(i => OmittedNote(i.Title))).ToList();
        var fittedText = FitText(text, t => Size(Card(group, title, t, images, worstNotes, links)), budget);

        // 2. Then each inline chart, kept only if the card still fits.
        var kept = new List<(string Title, string Url)>(images);
        var omitted = new List<string>();
        for (var k = 0; k < inline.Count; k++)
        {
            var (label, image) = inline[k];
            var dataUri = $"data:{image.ContentType};base64,{Convert.ToBase64String(image.Content.Span)}";
            var tryImages = kept.Append((label, dataUri)).ToList();
            var tryNotes = notes.Concat(omitted.Select(OmittedNote)).Concat(inline.Skip(k + 1).Select(i => OmittedNote(i.Title))).ToList();
            if (Size(Card(group, title, fittedText, tryImages, tryNotes, links)) <= budget)
            {
                kept = tryImages;
            }
            else
            {
                omitted.Add(label);
            }
        }

        var finalNotes = notes.Concat(omitted.Select(OmittedNote)).ToList();
        var body = Encoding.UTF8.GetBytes(Card(group, title, fittedText, kept, finalNotes, links).ToJsonString());
        var textCut = fittedText.Length < text.Length;
        if (textCut || omitted.Count > 0)
        {
            TeamsLog.Trimmed(_logger, _channel, omitted.Count, fittedText.Length, budget, body.Length);
        }

        return new TeamsCard(body, inline.Count - omitted.Count, omitted.Count, textCut);
    }

    /// <summary>The longest prefix of <paramref name="text"/> (cut with "…") whose card fits the budget.</summary>
    private static string FitText(string text, Func<string, int> size, int budget)
    {
        if (size(text) <= budget)
        {
            return text;
        }

        int low = 0, high = text.Length;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (size(CutText(text, mid)) <= budget)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return CutText(text, low);
    }

    private static int Size(JsonObject card) => Encoding.UTF8.GetByteCount(card.ToJsonString());

    private JsonObject Card(AlertGroup group, string title, string text, IReadOnlyList<(string Title, string Url)> images, IReadOnlyList<string> notes, AlertLinks links)
    {
        var firing = group.Status == "firing";
        var body = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "Container",
                ["style"] = firing ? "attention" : "good",
                ["bleed"] = true,
                ["items"] = new JsonArray(TeamsPayload.TextBlock(title, size: "Large", weight: "Bolder")),
            },
        };
        if (text.Length > 0)
        {
            body.Add(TeamsPayload.TextBlock(text));
        }

        body.Add(new JsonObject
        {
            ["type"] = "FactSet",
            ["facts"] = new JsonArray(Facts(group).Select(f => (JsonNode)new JsonObject { ["title"] = f.Title, ["value"] = f.Value }).ToArray()),
        });
        foreach (var (label, url) in images)
        {
            body.Add(new JsonObject { ["type"] = "Image", ["url"] = url, ["altText"] = label, ["size"] = "Stretch" });
        }

        if (notes.Count > 0)
        {
            body.Add(TeamsPayload.TextBlock(string.Join("\n\n", notes.Select(n => n.ReplaceLineEndings(" "))), size: "Small", subtle: true));
        }

        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = TeamsPayload.CardVersion,
            ["body"] = body,
        };
        var actions = new JsonArray();
        foreach (var (label, url) in new[] { (Zh ? "查看来源" : "Source", links.Source), (Zh ? "静默" : "Silence", links.Silence), ("Alertmanager", links.Alertmanager) })
        {
            if (url is not null && url.AbsoluteUri.Length <= 2048)
            {
                actions.Add(TeamsPayload.OpenUrl(label, url));
            }
        }

        if (actions.Count > 0)
        {
            card["actions"] = actions;
        }

        if (_options.FullWidth)
        {
            card["msteams"] = new JsonObject { ["width"] = "Full" };
        }

        return TeamsPayload.Message(card);
    }

    private List<(string Title, string Value)> Facts(AlertGroup group)
    {
        var facts = new List<(string, string)>
        {
            (Zh ? "状态" : "Status", Zh ? (group.Status == "firing" ? "告警中" : "已恢复") : group.Status),
            (Zh ? "触发中" : "Firing", group.Alerts.Count(a => a.IsFiring).ToString(CultureInfo.InvariantCulture)),
            (Zh ? "已恢复" : "Resolved", group.Alerts.Count(a => !a.IsFiring).ToString(CultureInfo.InvariantCulture)),
        };
        foreach (var (name, value) in group.CommonLabels.OrderBy(kv => kv.Key == "severity" ? 0 : 1).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (facts.Count >= MaxFacts)
            {
                break;
            }

            if (name != "alertname" && value.Length > 0)
            {
                facts.Add((name, Truncate(value, MaxFactValue)));
            }
        }

        return facts;
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

    private void TemplateFailed(string template, string error) => TeamsLog.TemplateFailed(_logger, _channel, template, error);

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
