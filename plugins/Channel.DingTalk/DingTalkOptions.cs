using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.DingTalk;

/// <summary>The options of a <c>type: dingtalk</c> channel.</summary>
internal sealed record DingTalkOptions
{
    /// <summary>The built-in templates for a language: dingtalk.default.zh.title, dingtalk.digest.en.content, ….</summary>
    public static string DefaultTemplate(string kind, string lang, string part) => $"{{{{ template \"dingtalk.{kind}.{lang}.{part}\" . }}}}";

    /// <summary>DingTalk refuses a message over 20,000 bytes (errcode 460101).</summary>
    public const int MaxMessageBytes = 20_000;

    public required Uri RobotUrl { get; init; }
    public string? Secret { get; init; }
    public string? Keyword { get; init; }
    public IReadOnlyList<string> AtMobiles { get; init; } = [];
    public IReadOnlyList<string> AtUserIds { get; init; } = [];
    public bool AtAll { get; init; }
    public ChatMentionOptions Mentions { get; init; } = new();
    public string Lang { get; init; } = "zh";
    public string TimeZone { get; init; } = "Asia/Shanghai";
    public string TitleTemplate { get; init; } = DefaultTemplate("default", "zh", "title");
    public string TextTemplate { get; init; } = DefaultTemplate("default", "zh", "content");
    public string DigestTitleTemplate { get; init; } = DefaultTemplate("digest", "zh", "title");
    public string DigestTextTemplate { get; init; } = DefaultTemplate("digest", "zh", "content");
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MessagesPerMinute { get; init; } = 20;
    public TimeSpan MaxQueueWait { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxBytes { get; init; } = MaxMessageBytes;

    /// <summary>Reads and validates the section; problems go to the settings' diagnostics. Null when unusable.</summary>
    public static DingTalkOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("url", required: true,
            fix: "write the robot's webhook URL (https://oapi.dingtalk.com/robot/send?access_token=…), or put it in a file named by url_file");
        var secret = s.GetSecret("secret");
        var keyword = s.GetString("keyword");
        var atMobiles = s.GetStringList("at_mobiles");
        var atUserIds = s.GetStringList("at_user_ids");
        var atAll = s.GetBool("at_all", false);
        var mentions = ChatMentionOptions.Read(s);
        var lang = s.GetChoice("lang", "zh", "zh", "en");
        var timeZone = ChatMentionOptions.ReadTimeZone(s, lang);
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var perMinute = s.GetInt("messages_per_minute", 20, 1, 20);
        var maxQueueWait = s.GetDuration("max_queue_wait", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var maxBytes = s.GetInt("max_bytes", MaxMessageBytes, 1000, MaxMessageBytes);

        string title = DefaultTemplate("default", lang, "title"), text = DefaultTemplate("default", lang, "content"), profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            title = t.GetString("title") ?? title;
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        string digestTitle = DefaultTemplate("digest", lang, "title"), digestText = DefaultTemplate("digest", lang, "content");
        if (s.GetSection("digest_template") is { } d)
        {
            digestTitle = d.GetString("title") ?? digestTitle;
            digestText = d.GetString("text") ?? digestText;
        }

        if (url is not null && !url.Query.Contains("access_token=", StringComparison.Ordinal))
        {
            s.AddError("url", "the robot URL has no access_token parameter (not shown: it is a secret)",
                "copy the whole webhook URL from the robot's settings, including ?access_token=…");
        }

        if (secret is not null && !secret.StartsWith("SEC", StringComparison.Ordinal))
        {
            s.AddError("secret", "a DingTalk signing secret starts with SEC (value not shown)",
                "copy the secret shown under the robot's 加签 (sign) security setting");
        }

        foreach (var m in atMobiles.Concat(atUserIds))
        {
            if (string.IsNullOrWhiteSpace(m) || m.Any(char.IsWhiteSpace))
            {
                s.AddError(atMobiles.Contains(m) ? "at_mobiles" : "at_user_ids", $"'{m}' is not a mobile number or user id",
                    "write each entry without spaces, such as 13800000000");
            }
        }

        return url is null
            ? null
            : new DingTalkOptions
            {
                RobotUrl = url,
                Secret = secret,
                Keyword = string.IsNullOrEmpty(keyword) ? null : keyword,
                AtMobiles = atMobiles,
                AtUserIds = atUserIds,
                AtAll = atAll,
                Mentions = mentions,
                Lang = lang,
                TimeZone = timeZone,
                TitleTemplate = title,
                TextTemplate = text,
                DigestTitleTemplate = digestTitle,
                DigestTextTemplate = digestText,
                TemplateProfile = profile,
                Timeout = timeout,
                MessagesPerMinute = perMinute,
                MaxQueueWait = maxQueueWait,
                MaxBytes = maxBytes,
            };
    }
}
