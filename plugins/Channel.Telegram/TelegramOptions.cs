using System.Globalization;
using System.Text.RegularExpressions;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Telegram;

/// <summary>The options of a <c>type: telegram</c> channel.</summary>
internal sealed partial record TelegramOptions
{
    public const string DefaultTitleTemplate = "{{ template \"telegram.promoter.en.title\" . }}";
    public const string DefaultTextTemplate = "{{ template \"telegram.promoter.en.text\" . }}";
    public const string Html = "HTML";
    public const string MarkdownV2 = "MarkdownV2";

    /// <summary>The built-in templates for a language: telegram.promoter.en.title, telegram.promoter.zh.text, ….</summary>
    public static string DefaultTemplate(string lang, string part) => $"{{{{ template \"telegram.promoter.{lang}.{part}\" . }}}}";

    public required string BotToken { get; init; }

    /// <summary>A numeric chat id (-100… for supergroups and channels) or @channelusername.</summary>
    public required string ChatId { get; init; }

    /// <summary>The forum topic to post in (supergroups with topics), or null.</summary>
    public long? MessageThreadId { get; init; }

    public string ParseMode { get; init; } = Html;
    public Uri ApiUrl { get; init; } = new("https://api.telegram.org/");
    public bool DisableNotification { get; init; }
    public string TitleTemplate { get; init; } = DefaultTitleTemplate;
    public string TextTemplate { get; init; } = DefaultTextTemplate;
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;

    /// <summary>The language of the default templates: en (the default) or zh.</summary>
    public string Lang { get; init; } = "en";

    /// <summary>The IANA time zone templates write times in (.Timezone): UTC for en, Asia/Shanghai for zh by default.</summary>
    public string TimeZone { get; init; } = "UTC";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    // "123456789:AA…": the bot id, a colon and a 35-character secret part (BotFather's format).
    [GeneratedRegex(@"^[0-9]{1,20}:[A-Za-z0-9_-]{30,64}$")]
    private static partial Regex TokenShape();

    [GeneratedRegex(@"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")]
    private static partial Regex ChatShape();

    public static TelegramOptions? Read(PluginSettings s)
    {
        var token = s.RequireSecret("bot_token", "set bot_token_file to a file holding the token BotFather gave you (123456789:AA…)");
        var chat = s.RequireString("chat_id", "write the numeric chat id (a group's is negative, -100… for supergroups and channels) or @channelusername");
        var thread = s.Has("message_thread_id") ? (long?)s.GetInt("message_thread_id", 0, 1, int.MaxValue) : null;
        var parseMode = s.GetChoice("parse_mode", Html, Html, MarkdownV2);
        var apiUrl = s.GetUrl("api_url") ?? new Uri("https://api.telegram.org/");
        var silent = s.GetBool("disable_notification", false);
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

        if (token is not null && !TokenShape().IsMatch(token))
        {
            s.AddError("bot_token", "this is not a Telegram bot token (value not shown): one looks like 123456789:AA… (digits, a colon, 35 letters, digits, _ or -)",
                "copy the token BotFather gave you for the bot (/mybots → API Token)");
            token = null;
        }

        if (chat is not null && !ChatShape().IsMatch(chat.Trim()))
        {
            s.AddError("chat_id", $"'{chat}' is not a chat id",
                "write the numeric chat id (for example -1001234567890; ask @userinfobot or read getUpdates) or @channelusername");
            chat = null;
        }

        if (token is null || chat is null)
        {
            return null;
        }

        return new TelegramOptions
        {
            BotToken = token,
            ChatId = chat.Trim(),
            MessageThreadId = thread,
            ParseMode = parseMode,
            ApiUrl = apiUrl.AbsoluteUri.EndsWith('/') ? apiUrl : new Uri(apiUrl.AbsoluteUri + "/"),
            DisableNotification = silent,
            TitleTemplate = title,
            TextTemplate = text,
            TemplateProfile = profile,
            Lang = lang,
            TimeZone = timeZone,
            Timeout = timeout,
        };
    }

    public string ThreadIdText => MessageThreadId?.ToString(CultureInfo.InvariantCulture) ?? "";
}
