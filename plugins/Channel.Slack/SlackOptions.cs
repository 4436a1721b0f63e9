using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Slack;

/// <summary>The options of a <c>type: slack</c> channel: bot-token mode (token + channel) or incoming-webhook mode.</summary>
internal sealed record SlackOptions
{
    public const string DefaultTitleTemplate = "{{ template \"slack.promoter.title\" . }}";
    public const string DefaultTextTemplate = "{{ template \"slack.promoter.text\" . }}";

    /// <summary>The built-in templates for a language: slack.promoter.en.title, slack.promoter.zh.text, ….</summary>
    public static string DefaultTemplate(string lang, string part) => $"{{{{ template \"slack.promoter.{lang}.{part}\" . }}}}";

    public string? Token { get; init; }
    public string? Channel { get; init; }
    public Uri? WebhookUrl { get; init; }
    public Uri ApiUrl { get; init; } = new("https://slack.com/api/");
    public bool UpdateOnResolve { get; init; } = true;
    public string TitleTemplate { get; init; } = DefaultTitleTemplate;
    public string TextTemplate { get; init; } = DefaultTextTemplate;
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;

    /// <summary>Slack user ids (U…) to mention, or here / channel.</summary>
    public IReadOnlyList<string> MentionUsers { get; init; } = [];
    public ChatMentionOptions Mentions { get; init; } = new();
    public string Lang { get; init; } = "en";
    public string TimeZone { get; init; } = "UTC";
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxQueueWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>chat.postMessage allows about one message a second per channel.</summary>
    public TimeSpan PostInterval { get; init; } = TimeSpan.FromSeconds(1);

    public bool IsBotMode => Token is not null;

    public static SlackOptions? Read(PluginSettings s)
    {
        var token = s.GetSecret("token");
        var channel = s.GetString("channel");
        var webhook = s.GetSecretUrl("webhook_url");
        var apiUrl = s.GetUrl("api_url") ?? new Uri("https://slack.com/api/");
        var update = s.GetBool("update_on_resolve", true);
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var maxQueueWait = s.GetDuration("max_queue_wait", TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var mentionUsers = s.GetStringList("mention_users");
        var mentions = ChatMentionOptions.Read(s);
        var lang = s.GetChoice("lang", "en", "en", "zh");
        var timeZone = ChatMentionOptions.ReadTimeZone(s, lang);
        string title = DefaultTemplate(lang, "title"), text = DefaultTemplate(lang, "text"), profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            title = t.GetString("title") ?? title;
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        var broken = s.Diagnostics.HasErrors;
        if (token is null && webhook is null && !broken)
        {
            s.AddError("token", "neither 'token' nor 'webhook_url' is set",
                "set token (or token_file) with a bot token xoxb-… and channel, or webhook_url with an incoming webhook URL");
            return null;
        }

        if (token is not null && webhook is not null)
        {
            s.AddError("webhook_url", "both 'token' and 'webhook_url' are set", "keep one: the bot token (with channel) or the incoming webhook URL");
            return null;
        }

        if (token is not null)
        {
            if (string.IsNullOrWhiteSpace(channel))
            {
                s.AddError("channel", "'channel' is required with a bot token", "write the channel ID (C…) or #name the bot was invited to");
            }

            if (!token.StartsWith("xox", StringComparison.Ordinal))
            {
                s.AddError("token", "a Slack token starts with xoxb- (bot) or xoxp- (user) (value not shown)",
                    "copy the Bot User OAuth Token from the app's OAuth & Permissions page");
            }
        }
        else if (channel is not null)
        {
            s.AddError("channel", "'channel' cannot be used with webhook_url (an incoming webhook posts to its own channel)",
                "remove channel, or use a bot token instead of the webhook");
        }

        if ((token is null && webhook is null) || (token is not null && string.IsNullOrWhiteSpace(channel)))
        {
            return null;
        }

        return new SlackOptions
        {
            Token = token,
            Channel = channel?.Trim(),
            WebhookUrl = webhook,
            ApiUrl = apiUrl.AbsoluteUri.EndsWith('/') ? apiUrl : new Uri(apiUrl.AbsoluteUri + "/"),
            UpdateOnResolve = update,
            TitleTemplate = title,
            TextTemplate = text,
            TemplateProfile = profile,
            MentionUsers = mentionUsers,
            Mentions = mentions,
            Lang = lang,
            TimeZone = timeZone,
            Timeout = timeout,
            MaxQueueWait = maxQueueWait,
        };
    }
}
