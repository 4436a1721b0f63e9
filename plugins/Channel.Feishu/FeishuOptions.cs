using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Feishu;

/// <summary>The options of a <c>type: feishu</c> channel.</summary>
internal sealed record FeishuOptions
{
    /// <summary>Feishu refuses a request body over 20 KB (code 9499 "Bad Request").</summary>
    public const int MaxBodyBytes = 20 * 1024;

    /// <summary>im/v1/images takes images up to 10 MB.</summary>
    public const int MaxImageBytes = 10 * 1024 * 1024;

    public static readonly Uri FeishuApi = new("https://open.feishu.cn/");
    public static readonly Uri LarkApi = new("https://open.larksuite.com/");

    public static string DefaultTitle(string kind, string lang) => $"{{{{ template \"feishu.{kind}.{lang}.title\" . }}}}";

    public static string DefaultText(string kind, string lang) => $"{{{{ template \"feishu.{kind}.{lang}.content\" . }}}}";

    public required Uri BotUrl { get; init; }
    public string? Secret { get; init; }
    public bool Lark { get; init; }

    /// <summary>Where the self-built app's token and image upload APIs are (open.feishu.cn or open.larksuite.com).</summary>
    public required Uri ApiUrl { get; init; }
    public string? AppId { get; init; }
    public string? AppSecret { get; init; }
    public bool CanUpload => AppId is not null && AppSecret is not null && Images == "upload";

    public IReadOnlyList<string> AtUserIds { get; init; } = [];
    public bool AtAll { get; init; }
    public ChatMentionOptions Mentions { get; init; } = new();
    public string Lang { get; init; } = "zh";
    public string TimeZone { get; init; } = "Asia/Shanghai";
    public string Images { get; init; } = "upload";
    public required string TitleTemplate { get; init; }
    public required string TextTemplate { get; init; }
    public required string DigestTitleTemplate { get; init; }
    public required string DigestTextTemplate { get; init; }
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MessagesPerMinute { get; init; } = 100;
    public int MessagesPerSecond { get; init; } = 5;
    public TimeSpan MaxQueueWait { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxBytes { get; init; } = MaxBodyBytes;

    /// <summary>Reads and validates the section; problems go to the settings' diagnostics. Null when unusable.</summary>
    public static FeishuOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("url", required: true,
            fix: "write the bot's webhook URL (https://open.feishu.cn/open-apis/bot/v2/hook/…), or put it in a file named by url_file");
        var secret = s.GetSecret("secret");
        var lark = s.GetBool("lark", false);
        var apiUrl = s.GetUrl("api_url") ?? (lark ? LarkApi : FeishuApi);
        var appId = s.GetString("app_id");
        var appSecret = s.GetSecret("app_secret");
        var atUserIds = s.GetStringList("at_user_ids");
        var atAll = s.GetBool("at_all", false);
        var mentions = ChatMentionOptions.Read(s);
        var lang = s.GetChoice("lang", "zh", "zh", "en");
        var timeZone = ChatMentionOptions.ReadTimeZone(s, lang);
        var images = s.GetChoice("images", "upload", "upload", "link");
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var perMinute = s.GetInt("messages_per_minute", 100, 1, 100);
        var perSecond = s.GetInt("messages_per_second", 5, 1, 5);
        var maxQueueWait = s.GetDuration("max_queue_wait", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var maxBytes = s.GetInt("max_bytes", MaxBodyBytes, 4096, MaxBodyBytes);

        string title = DefaultTitle("default", lang), text = DefaultText("default", lang), profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            title = t.GetString("title") ?? title;
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        string digestTitle = DefaultTitle("digest", lang), digestText = DefaultText("digest", lang);
        if (s.GetSection("digest_template") is { } d)
        {
            digestTitle = d.GetString("title") ?? digestTitle;
            digestText = d.GetString("text") ?? digestText;
        }

        if (url is not null && !url.AbsolutePath.Contains("/bot/v2/hook/", StringComparison.Ordinal))
        {
            s.AddError("url", "the bot URL is not a custom bot webhook (…/open-apis/bot/v2/hook/<token>; not shown: it is a secret)",
                "copy the webhook address from the custom bot's settings in the group");
        }

        if ((appId is null) != (appSecret is null))
        {
            s.AddError(appId is null ? "app_id" : "app_secret", "app_id and app_secret (or app_secret_file) go together",
                "set both to upload charts with a self-built app (its bot capability enabled), or neither to link charts");
        }

        foreach (var id in atUserIds)
        {
            if (string.IsNullOrWhiteSpace(id) || id.Any(char.IsWhiteSpace))
            {
                s.AddError("at_user_ids", $"'{id}' is not a user id", "write open_ids (ou_…) or user ids without spaces");
            }
        }

        return url is null
            ? null
            : new FeishuOptions
            {
                BotUrl = url,
                Secret = secret,
                Lark = lark,
                ApiUrl = apiUrl,
                AppId = string.IsNullOrEmpty(appId) ? null : appId,
                AppSecret = appSecret,
                AtUserIds = atUserIds,
                AtAll = atAll,
                Mentions = mentions,
                Lang = lang,
                TimeZone = timeZone,
                Images = images,
                TitleTemplate = title,
                TextTemplate = text,
                DigestTitleTemplate = digestTitle,
                DigestTextTemplate = digestText,
                TemplateProfile = profile,
                Timeout = timeout,
                MessagesPerMinute = perMinute,
                MessagesPerSecond = perSecond,
                MaxQueueWait = maxQueueWait,
                MaxBytes = maxBytes,
            };
    }
}
