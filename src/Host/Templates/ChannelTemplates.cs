using System.Diagnostics.Metrics;
using System.Text;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;

namespace Promoter.Host.Templates;

/// <summary>
/// A built-in channel's title and text templates (<c>template: { title, text, profile }</c>), compiled once.
/// When a template fails at send time the channel still sends: a minimal built-in message (status, alert
/// names, summaries) replaces it, and the failure is counted — an alert must never be lost to a typo.
/// </summary>
internal sealed class ChannelTemplates
{
    private static readonly Meter Meter = new("Promoter.Templates");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("promoter_template_fallbacks_total",
        description: "Channel messages sent with the built-in fallback because their template failed.");

    private readonly string _channel;
    private readonly ICompiledTemplate? _title;
    private readonly ICompiledTemplate? _text;

    private ChannelTemplates(string channel, ICompiledTemplate? title, ICompiledTemplate? text)
    {
        _channel = channel;
        _title = title;
        _text = text;
    }

    public static ChannelTemplates Read(ChannelSetup setup, string defaultTitle, string defaultText)
    {
        var section = setup.Settings.GetSection("template");
        var titleText = section?.GetString("title") ?? $"{{{{ template \"{defaultTitle}\" . }}}}";
        var textText = section?.GetString("text") ?? $"{{{{ template \"{defaultText}\" . }}}}";
        var profile = section?.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk)
            ?? TemplateProfiles.Alertmanager;
        return new ChannelTemplates(setup.Name,
            Compile(setup, section, "title", titleText, profile),
            Compile(setup, section, "text", textText, profile));
    }

    private static ICompiledTemplate? Compile(ChannelSetup setup, Abstractions.Configuration.PluginSettings? section, string key,
        string text, string profile)
    {
        try
        {
            return setup.Templates.Compile($"{setup.Settings.Path}.template.{key}", text, profile);
        }
        catch (TemplateException e)
        {
            (section ?? setup.Settings).AddError(section is null ? "template" : key, e.Message, "fix the template text");
            return null;
        }
    }

    public (string Title, string Text) Render(TemplateInput input, Notification notification)
    {
        try
        {
            return (_title?.Render(input) ?? "", _text?.Render(input) ?? "");
        }
        catch (TemplateException)
        {
            Failures.Add(1, new KeyValuePair<string, object?>("channel", _channel));
            return Fallback(notification);
        }
    }

    /// <summary>The message sent when a template fails: enough to act on, nothing fancy.</summary>
    public static (string Title, string Text) Fallback(Notification n)
    {
        var g = n.Group;
        var firing = g.Alerts.Count(a => a.IsFiring);
        var title = $"[{g.Status.ToUpperInvariant()}{(firing > 0 ? ":" + firing : "")}] {string.Join(" ", g.GroupLabels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value))}";
        var sb = new StringBuilder();
        sb.Append("(template failed; showing the built-in message)\n");
        foreach (var a in g.Alerts)
        {
            sb.Append('[').Append(a.Status.ToUpperInvariant()).Append("] ").Append(a.Name);
            if (a.Annotations.TryGetValue("summary", out var summary))
            {
                sb.Append(": ").Append(summary);
            }

            sb.Append('\n');
        }

        return (title, sb.ToString());
    }
}
