using Promoter.Templating.Time;

namespace Promoter.Templating.Alertmanager;

/// <summary>
/// What <c>amtool template render</c> does: the default templates, then the glob files (each named after its
/// file), then the text as template "" executed with the data (or amtool's own sample data when none).
/// The result has no trailing newline added, as amtool prints it. With <c>html</c> the text is executed as
/// html/template would (amtool's <c>--template.type=html</c>): contextually escaped, and an empty text gives "".
/// </summary>
public static class AmtoolCompatibleRenderer
{
    public static string Render(IEnumerable<string> globFiles, string templateText, string? dataJson, FunctionProfile profile, bool html = false)
    {
        ArgumentNullException.ThrowIfNull(globFiles);
        ArgumentNullException.ThrowIfNull(templateText);
        var set = DefaultTemplates.CreateSet(profile);
        foreach (var file in globFiles)
        {
            set.Parse(Path.GetFileName(file), File.ReadAllText(file));
        }

        var data = dataJson is null ? SampleData(TimeProvider.System) : TemplateData.FromWebhookJson(dataJson);
        var clone = set.Clone();
        clone.Parse("", templateText);
        if (!html)
        {
            return clone.Execute("", data);
        }

        // Alertmanager's ExecuteHTMLString answers "" for an empty text without executing anything.
        return templateText.Length == 0 ? "" : clone.EscapeHtml("").Execute("", data);
    }

    /// <summary>The data amtool renders with when --template.data is not given.</summary>
    public static TemplateData SampleData(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var now = GoTime.Now(clock);
        static KV Kv(params string[] kv) => new(Enumerable.Range(0, kv.Length / 2).Select(i => new KeyValuePair<string, string>(kv[2 * i], kv[2 * i + 1])));
        return new TemplateData
        {
            Receiver = "receiver",
            Status = "alertstatus",
            Alerts =
            [
                new TemplateAlert
                {
                    Status = "alertstatus",
                    Labels = Kv("label1", "value1", "label2", "value2", "instance", "foo.bar:1234", "commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2"),
                    Annotations = Kv("annotation1", "value1", "annotation2", "value2", "commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"),
                    StartsAt = now.Add(new GoDuration(-5 * GoDuration.Minute)),
                    EndsAt = now,
                    GeneratorURL = "https://generatorurl.com",
                    Fingerprint = "fingerprint1",
                },
                new TemplateAlert
                {
                    Status = "alertstatus",
                    Labels = Kv("foo", "bar", "baz", "qux", "commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2"),
                    Annotations = Kv("aaa", "bbb", "ccc", "ddd", "commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"),
                    StartsAt = now.Add(new GoDuration(-10 * GoDuration.Minute)),
                    EndsAt = now,
                    GeneratorURL = "https://generatorurl.com",
                    Fingerprint = "fingerprint2",
                },
            ],
            GroupLabels = Kv("grouplabelkey1", "grouplabelvalue1", "grouplabelkey2", "grouplabelvalue2"),
            CommonLabels = Kv("commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2"),
            CommonAnnotations = Kv("commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"),
            ExternalURL = "https://example.com",
        };
    }
}

/// <summary>The stock templates shipped inside this assembly and parsed before plugin and user templates.</summary>
public static class DefaultTemplates
{
    private static readonly Lazy<string> AlertmanagerText = new(() => Read("alertmanager-default.tmpl"));

    /// <summary>Alertmanager's default template names (__subject, slack.default.title, …), re-authored.</summary>
    public static string Alertmanager => AlertmanagerText.Value;

    private static readonly Lazy<string> DingTalkText = new(() => Read("dingtalk-default.tmpl"));
    private static readonly Lazy<string> PromoterGoDingTalkText = new(() => Read("promoter-go-dingtalk.tmpl"));

    /// <summary>The built-in names of prometheus-webhook-dingtalk (ding.link.*, default.*, legacy.*,
    /// __text_alert_list…) and Promoter (Go)'s wechat.default.*, re-authored; dingtalk profile only.</summary>
    public static string DingTalk => DingTalkText.Value;

    /// <summary>Promoter (Go)'s dingtalk.default.title/content, re-authored; dingtalk profile only. A host that adds
    /// templates of the same names (the DingTalk plugin's) parses this again after them.</summary>
    public static string PromoterGoDingTalk => PromoterGoDingTalkText.Value;

    /// <summary>A new set of the profile with the default templates parsed: Alertmanager's, and for the dingtalk
    /// profile the drop-in names of the projects it replaces.</summary>
    public static TemplateSet CreateSet(FunctionProfile profile)
    {
        var set = new TemplateSet(profile);
        set.Parse("default.tmpl", Alertmanager);
        if (profile == FunctionProfile.DingTalk)
        {
            set.Parse("dingtalk-default.tmpl", DingTalk);
            set.Parse("promoter-go-dingtalk.tmpl", PromoterGoDingTalk);
        }

        return set;
    }

    private static string Read(string name)
    {
        using var s = typeof(DefaultTemplates).Assembly.GetManifestResourceStream("Promoter.Templating.Defaults." + name)
            ?? throw new InvalidOperationException($"embedded template {name} missing");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
