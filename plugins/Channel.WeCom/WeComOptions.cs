using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.WeCom;

/// <summary>The options of a <c>type: wecom</c> channel.</summary>
internal sealed record WeComOptions
{
    /// <summary>WeCom refuses markdown content over 4,096 bytes of UTF-8 (errcode 40058).</summary>
    public const int MaxMarkdownBytes = 4096;

    /// <summary>WeCom refuses an image message whose raw image is over 2 MB.</summary>
    public const int MaxImageBytes = 2 * 1024 * 1024;

    /// <summary>WeCom allows 20 messages a minute per robot (errcode 45009 beyond).</summary>
    public const int MaxMessagesPerMinute = 20;

    public static string DefaultTextTemplate(string lang) => $"{{{{ template \"wecom.default.{lang}.content\" . }}}}";

    public static string DefaultDigestTemplate(string lang) => $"{{{{ template \"wecom.digest.{lang}.content\" . }}}}";

    public required Uri RobotUrl { get; init; }

    /// <summary>markdown (font colours, &lt;@userid&gt; mentions) or markdown_v2 (lists, tables, no mentions).</summary>
    public string MessageType { get; init; } = "markdown";

    public IReadOnlyList<string> MentionedList { get; init; } = [];
    public IReadOnlyList<string> MentionedMobileList { get; init; } = [];
    public ChatMentionOptions Mentions { get; init; } = new();
    public string Lang { get; init; } = "zh";
    public string TimeZone { get; init; } = "Asia/Shanghai";

    /// <summary>upload: charts go as image messages; link: charts are linked by their stored URL.</summary>
    public string Images { get; init; } = "upload";

    public required string TextTemplate { get; init; }
    public required string DigestTextTemplate { get; init; }
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MessagesPerMinute { get; init; } = MaxMessagesPerMinute;
    public TimeSpan MaxQueueWait { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxBytes { get; init; } = MaxMarkdownBytes;

    /// <summary>Reads and validates the section; problems go to the settings' diagnostics. Null when unusable.</summary>
    public static WeComOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("url", required: true,
            fix: "write the robot's webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…), or put it in a file named by url_file");
        var type = s.GetChoice("msgtype", "markdown", "markdown", "markdown_v2");
        var mentioned = s.GetStringList("mentioned_list");
        var mobiles = s.GetStringList("mentioned_mobile_list");
        var mentions = ChatMentionOptions.Read(s);
        var lang = s.GetChoice("lang", "zh", "zh", "en");
        var timeZone = ChatMentionOptions.ReadTimeZone(s, lang);
        var images = s.GetChoice("images", "upload", "upload", "link");
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var perMinute = s.GetInt("messages_per_minute", MaxMessagesPerMinute, 1, MaxMessagesPerMinute);
        var maxQueueWait = s.GetDuration("max_queue_wait", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var maxBytes = s.GetInt("max_bytes", MaxMarkdownBytes, 512, MaxMarkdownBytes);

        string text = DefaultTextTemplate(lang), profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        var digest = DefaultDigestTemplate(lang);
        if (s.GetSection("digest_template") is { } d)
        {
            digest = d.GetString("text") ?? digest;
        }

        if (url is not null && !url.Query.TrimStart('?').Split('&').Any(p => p.StartsWith("key=", StringComparison.Ordinal) && p.Length > 4))
        {
            s.AddError("url", "the robot URL has no key parameter (not shown: it is a secret)",
                "copy the whole webhook URL from the group robot's settings, including ?key=…");
        }

        foreach (var (key, list) in new[] { ("mentioned_list", mentioned), ("mentioned_mobile_list", mobiles) })
        {
            foreach (var m in list)
            {
                if (string.IsNullOrWhiteSpace(m) || m.Any(char.IsWhiteSpace))
                {
                    s.AddError(key, $"'{m}' is not a user id or mobile number", "write each entry without spaces, such as zhangsan, 13800000000 or @all");
                }
            }
        }

        return url is null
            ? null
            : new WeComOptions
            {
                RobotUrl = url,
                MessageType = type,
                MentionedList = mentioned,
                MentionedMobileList = mobiles,
                Mentions = mentions,
                Lang = lang,
                TimeZone = timeZone,
                Images = images,
                TextTemplate = text,
                DigestTextTemplate = digest,
                TemplateProfile = profile,
                Timeout = timeout,
                MessagesPerMinute = perMinute,
                MaxQueueWait = maxQueueWait,
                MaxBytes = maxBytes,
            };
    }
}
