using System.Text.RegularExpressions;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Discord;

/// <summary>The options of a <c>type: discord</c> channel.</summary>
internal sealed partial record DiscordOptions
{
    public const string DefaultTitleTemplate = "{{ template \"discord.promoter.en.title\" . }}";
    public const string DefaultTextTemplate = "{{ template \"discord.promoter.en.text\" . }}";

    /// <summary>The built-in templates for a language: discord.promoter.en.title, discord.promoter.zh.text, ….</summary>
    public static string DefaultTemplate(string lang, string part) => $"{{{{ template \"discord.promoter.{lang}.{part}\" . }}}}";

    /// <summary>Discord's upload limit for a message without boosts: 10 MiB for all its files together.</summary>
    public const long DefaultMaxUploadBytes = 10L * 1024 * 1024;

    public required Uri WebhookUrl { get; init; }

    /// <summary>The token segment of <see cref="WebhookUrl"/>: a secret of its own in messages and logs.</summary>
    public required string WebhookToken { get; init; }

    public string? Username { get; init; }
    public Uri? AvatarUrl { get; init; }

    /// <summary>A thread (or forum post) of the webhook's channel to post in.</summary>
    public string? ThreadId { get; init; }

    public long MaxUploadBytes { get; init; } = DefaultMaxUploadBytes;
    public string TitleTemplate { get; init; } = DefaultTitleTemplate;
    public string TextTemplate { get; init; } = DefaultTextTemplate;
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;

    /// <summary>The language of the default templates: en (the default) or zh.</summary>
    public string Lang { get; init; } = "en";

    /// <summary>The IANA time zone templates write times in (.Timezone): UTC for en, Asia/Shanghai for zh by default.</summary>
    public string TimeZone { get; init; } = "UTC";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    // …/api/webhooks/{webhook.id}/{webhook.token} (optionally /api/v10/webhooks/…): the id is a snowflake.
    [GeneratedRegex(@"/webhooks/[0-9]{1,20}/([A-Za-z0-9_-]{20,100})/?$")]
    private static partial Regex WebhookPath();

    [GeneratedRegex(@"^[0-9]{1,20}$")]
    private static partial Regex Snowflake();

    public static DiscordOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("webhook_url", required: true,
            "copy the webhook URL from the channel's settings (Integrations → Webhooks → Copy Webhook URL), or put it in webhook_url_file");
        var username = s.GetString("username");
        var avatar = s.GetUrl("avatar_url");
        var thread = s.GetString("thread_id");
        var maxUpload = s.GetByteSize("max_upload_bytes", DefaultMaxUploadBytes, 1024, 500L * 1024 * 1024);
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

        // Discord refuses names over 80 characters and names containing "discord" or "clyde" (400, username).
        if (username is not null && (username.Trim().Length is 0 or > 80
                                     || username.Contains("discord", StringComparison.OrdinalIgnoreCase) || username.Contains("clyde", StringComparison.OrdinalIgnoreCase)))
        {
            s.AddError("username", $"'{username}' cannot be a webhook user name", "write 1 to 80 characters that do not contain \"discord\" or \"clyde\"");
        }

        if (thread is not null && !Snowflake().IsMatch(thread))
        {
            s.AddError("thread_id", $"'{thread}' is not a thread id", "copy the thread's id (a number: right-click the thread → Copy Thread ID)");
        }

        string? token = null;
        if (url is not null)
        {
            var match = WebhookPath().Match(url.AbsolutePath);
            if (!match.Success || url.Query.Length > 0)
            {
                s.AddError("webhook_url", "this is not a Discord webhook URL (value not shown): one looks like https://discord.com/api/webhooks/<id>/<token>",
                    "copy the webhook URL from the channel's settings (Integrations → Webhooks → Copy Webhook URL)");
            }
            else
            {
                token = match.Groups[1].Value;
            }
        }

        if (url is null || token is null || s.Diagnostics.Errors.Any(e => e.Path.StartsWith(s.Path + ".", StringComparison.Ordinal)))
        {
            return null;
        }

        return new DiscordOptions
        {
            WebhookUrl = url,
            WebhookToken = token,
            Username = username?.Trim(),
            AvatarUrl = avatar,
            ThreadId = thread,
            MaxUploadBytes = maxUpload,
            TitleTemplate = title,
            TextTemplate = text,
            TemplateProfile = profile,
            Lang = lang,
            TimeZone = timeZone,
            Timeout = timeout,
        };
    }
}
