using System.Web;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Teams;

/// <summary>The options of a <c>type: teams</c> channel.</summary>
internal sealed record TeamsOptions
{
    public const string DefaultTitleTemplate = "{{ template \"teams.promoter.en.title\" . }}";
    public const string DefaultTextTemplate = "{{ template \"teams.promoter.en.text\" . }}";

    /// <summary>The built-in templates for a language: teams.promoter.en.title, teams.promoter.zh.text, ….</summary>
    public static string DefaultTemplate(string lang, string part) => $"{{{{ template \"teams.promoter.{lang}.{part}\" . }}}}";

    /// <summary>Teams refuses a message over about 28 KB (card and envelope, counted in bytes).</summary>
    public const int TeamsMessageLimit = 28 * 1024;

    /// <summary>The default budget: below the limit, leaving room for what the workflow wraps around the card.</summary>
    public const int DefaultMaxMessageBytes = 27 * 1024;

    public required Uri WebhookUrl { get; init; }

    /// <summary>The <c>sig</c> query value of <see cref="WebhookUrl"/>: a secret of its own in messages and logs.</summary>
    public string? Signature { get; init; }

    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;
    public bool FullWidth { get; init; } = true;
    public string TitleTemplate { get; init; } = DefaultTitleTemplate;
    public string TextTemplate { get; init; } = DefaultTextTemplate;
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;

    /// <summary>The language of the default templates: en (the default) or zh.</summary>
    public string Lang { get; init; } = "en";

    /// <summary>The IANA time zone templates write times in (.Timezone): UTC for en, Asia/Shanghai for zh by default.</summary>
    public string TimeZone { get; init; } = "UTC";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public static TeamsOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("webhook_url", required: true,
            "create a workflow from the Teams template \"Post to a channel when a webhook request is received\" and copy its URL into webhook_url (or webhook_url_file)");
        var max = s.GetInt("max_message_bytes", DefaultMaxMessageBytes, 4 * 1024, TeamsMessageLimit);
        var fullWidth = s.GetBool("full_width", true);
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var lang = s.GetChoice("lang", "en", "en", "zh");
        var timeZone = ChatMentionOptions.ReadTimeZone(s, lang);
        string title = DefaultTemplate(lang, "title"), text = DefaultTemplate(lang, "text"), profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            title = t.GetString("title") ?? title;
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        if (url is null)
        {
            return null;
        }

        // Office 365 connector URLs (…webhook.office.com/webhookb2/…) belong to the retired connectors, which took
        // a different payload; Workflows URLs are signed with sig=… in the query.
        if (url.Host.EndsWith("webhook.office.com", StringComparison.OrdinalIgnoreCase) || url.AbsolutePath.Contains("/webhookb2/", StringComparison.Ordinal))
        {
            s.AddError("webhook_url", "this is an Office 365 connector URL (value not shown); Microsoft retired those connectors",
                "create a workflow from the Teams template \"Post to a channel when a webhook request is received\" and use its URL");
            return null;
        }

        var signature = HttpUtility.ParseQueryString(url.Query)["sig"];
        return new TeamsOptions
        {
            WebhookUrl = url,
            Signature = string.IsNullOrEmpty(signature) ? null : signature,
            MaxMessageBytes = max,
            FullWidth = fullWidth,
            TitleTemplate = title,
            TextTemplate = text,
            TemplateProfile = profile,
            Lang = lang,
            TimeZone = timeZone,
            Timeout = timeout,
        };
    }
}
