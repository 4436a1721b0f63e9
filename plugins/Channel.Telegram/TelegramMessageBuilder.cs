using System.Text;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.Telegram;

/// <summary>What a message says, as plain text: formatting and escaping happen in <see cref="TelegramMarkup"/>.</summary>
internal sealed record TelegramContent(string Title, string Body, IReadOnlyList<string> Notes, AlertLinks Links, string Lang = "en");

/// <summary>
/// Renders the templates (plain text: the channel escapes it for the parse mode) and lays a message out as
/// text runs within a visible-length limit: the bold title, the text, the notes in italics, then links to
/// the source, a new silence and Alertmanager. The text is what gets cut when the limit is reached.
/// </summary>
internal sealed class TelegramMessageBuilder
{
    /// <summary>sendMessage: 1-4096 characters after entities parsing.</summary>
    public const int MessageLimit = 4096;

    /// <summary>sendPhoto: caption of 0-1024 characters after entities parsing.</summary>
    public const int CaptionLimit = 1024;

    private const int MaxTitle = 256;
    private const int MaxNote = 200;
    private const int MaxNotes = 5;

    private readonly string _channel;
    private readonly TelegramOptions _options;
    private readonly ILogger _logger;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;
    private readonly Uri? _publicUrl;

    public TelegramMessageBuilder(string channel, string path, TelegramOptions options, ITemplateRenderer templates, ILogger logger, Uri? publicUrl = null)
    {
        _publicUrl = publicUrl;
        _channel = channel;
        _options = options;
        _logger = logger;
        _title = Compile(templates, path + ".template.title", options.TitleTemplate, options.TemplateProfile);
        _text = Compile(templates, path + ".template.text", options.TextTemplate, options.TemplateProfile);
    }

    public TelegramContent Content(Notification notification, IEnumerable<string> extraNotes)
    {
        var group = notification.Group;
        var title = Render(_title, notification, BuiltInTitle(group)).Trim().ReplaceLineEndings(" ");
        var body = Render(_text, notification, BuiltInText(group)).Trim();
        var notes = notification.Notes.Concat(extraNotes).Where(n => !string.IsNullOrWhiteSpace(n)).ToList();
        return new TelegramContent(title, body, notes, AlertLinks.For(group), _options.Lang);
    }

    /// <summary>The runs of <paramref name="content"/> with its text cut so that the whole fits <paramref name="limit"/>.</summary>
    public static IReadOnlyList<TextRun> Layout(TelegramContent content, int limit)
    {
        var head = new List<TextRun> { new(Truncate(content.Title, MaxTitle), TextStyle.Bold) };
        var tail = new List<TextRun>();
        var notes = content.Notes.Take(MaxNotes).ToList();
        for (var i = 0; i < notes.Count; i++)
        {
            tail.Add(new TextRun(i == 0 ? "\n\n" : "\n"));
            tail.Add(new TextRun(Truncate(notes[i].ReplaceLineEndings(" "), MaxNote), TextStyle.Italic));
        }

        var zh = content.Lang == "zh";
        var links = new List<(string Label, Uri? Url)>
        {
            (zh ? "查看来源" : "Source", content.Links.Source), (zh ? "静默" : "Silence", content.Links.Silence), ("Alertmanager", content.Links.Alertmanager),
        }.Where(l => l.Url is not null).ToList();
        for (var i = 0; i < links.Count; i++)
        {
            tail.Add(new TextRun(i == 0 ? "\n\n" : " · "));
            tail.Add(new TextRun(links[i].Label, TextStyle.Link, links[i].Url));
        }

        var fixedLength = TelegramMarkup.VisibleLength(head) + TelegramMarkup.VisibleLength(tail);
        if (fixedLength > limit - 3)
        {
            // Only a caption can be this tight: keep the title and drop the rest (the message carries it).
            return [new TextRun(Truncate(content.Title, Math.Min(MaxTitle, limit)), TextStyle.Bold)];
        }

        var runs = new List<TextRun>(head);
        if (content.Body.Length > 0)
        {
            runs.Add(new TextRun("\n\n"));
            runs.AddRange(TelegramMarkup.PlainTextWithLinks(content.Body, limit - fixedLength - 2));
        }

        runs.AddRange(tail);
        return runs;
    }

    /// <summary>The visible length of the whole message, uncut.</summary>
    public static int FullLength(TelegramContent content) => TelegramMarkup.VisibleLength(Layout(content, int.MaxValue / 2));

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

    private void TemplateFailed(string template, string error) => TelegramLog.TemplateFailed(_logger, _channel, template, error);

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
            sb.Append("• ").Append(a.Name).Append(' ').Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(summary);
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
