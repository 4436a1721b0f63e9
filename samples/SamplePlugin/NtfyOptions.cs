using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk;

namespace Promoter.Sample.Ntfy;

/// <summary>The settings of one <c>type: ntfy</c> channel, read only through <see cref="PluginSettings"/>.</summary>
internal sealed record NtfyOptions
{
    public const string DefaultTitleTemplate = "{{ template \"ntfy.sample.title\" . }}";
    public const string DefaultTextTemplate = "{{ template \"ntfy.sample.text\" . }}";

    // ntfy's priorities: 1 (min) … 5 (urgent); 3 is its default.
    private static readonly string[] Priorities = ["min", "low", "default", "high", "urgent"];

    public required Uri ServerUrl { get; init; }
    public required string Topic { get; init; }
    public string? Token { get; init; }
    public int FiringPriority { get; init; } = 4;
    public int ResolvedPriority { get; init; } = 2;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public string TitleTemplate { get; init; } = DefaultTitleTemplate;
    public string TextTemplate { get; init; } = DefaultTextTemplate;
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;

    /// <summary>Reads every key, reporting all problems to the diagnostics; null when the section is unusable.</summary>
    public static NtfyOptions? Read(PluginSettings s)
    {
        var url = s.GetUrl("url", required: true, fix: "write the ntfy server's base URL, such as url: https://ntfy.sh");
        // On a public server whoever knows the topic can read it: treat it as a secret (topic_file works too).
        var topic = s.RequireSecret("topic", "write topic: <name> or topic_file: /etc/promoter/ntfy-topic");
        var token = s.GetSecret("token");
        var firing = s.GetChoice("priority", "high", Priorities);
        var resolved = s.GetChoice("resolved_priority", "low", Priorities);
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));

        string title = DefaultTitleTemplate, text = DefaultTextTemplate, profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            title = t.GetString("title") ?? title;
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        if (topic is not null && (topic.Length > 64 || !topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            // ntfy's topic rule: 1-64 characters of letters, digits, '-' and '_'. The value is not echoed.
            s.AddError("topic", "the topic is not a valid ntfy topic name (not shown: it is a secret)",
                "use 1 to 64 letters, digits, '-' or '_'");
        }

        if (url is null || string.IsNullOrEmpty(topic))
        {
            return null;
        }

        return new NtfyOptions
        {
            ServerUrl = url,
            Topic = topic,
            Token = token,
            FiringPriority = Array.IndexOf(Priorities, firing) + 1,
            ResolvedPriority = Array.IndexOf(Priorities, resolved) + 1,
            Timeout = timeout,
            TitleTemplate = title,
            TextTemplate = text,
            TemplateProfile = profile,
        };
    }

    /// <summary>Never prints the topic or the token (records print every property by default).</summary>
    public override string ToString() => $"server={ServerUrl}";
}
