using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Feishu.Tests;

/// <summary>The shipped templates, rendered by Promoter's real engine in both languages; the silence filter checked against amtool.</summary>
public sealed class FeishuTemplateTests
{
    private static readonly RealTemplateRenderer Engine = new([FeishuPlugin.DefaultTemplates()]);

    private static string Render(string definition, AlertGroup group, string lang = "zh", string timeZone = "Asia/Shanghai",
        Uri? publicUrl = null, NotificationDigest? digest = null) =>
        Engine.Compile("test", $"{{{{ template \"{definition}\" . }}}}").Render(new TemplateInput(group)
        {
            Extras = ChatTemplateExtras.For(group, lang, timeZone, publicUrl, digest),
        });

    [Theory]
    [InlineData("zh", "[告警 1] HighScrapeDuration", "[已恢复] HighScrapeDuration")]
    [InlineData("en", "[FIRING:1] HighScrapeDuration", "[RESOLVED] HighScrapeDuration")]
    public void DefaultTitle_BothStatuses(string lang, string firing, string resolved)
    {
        Assert.Equal(firing, Render($"feishu.default.{lang}.title", AlertGroupSamples.FiringSingle, lang));
        Assert.Equal(resolved, Render($"feishu.default.{lang}.title", AlertGroupSamples.Resolved, lang));
    }

    [Theory]
    [InlineData("zh", "**开始时间**：2026-11-22 06:45:02 CST", "[静默](", "[告警页面](https://promoter.example.com/alerts/6b1410b0fcb84541)")]
    [InlineData("en", "**Started**: 2026-11-22 06:45:02 CST", "[Silence](", "[Alert page](https://promoter.example.com/alerts/6b1410b0fcb84541)")]
    public void DefaultContent_Firing_TimeZoneSilenceAndAlertPage(string lang, string started, string silence, string page)
    {
        var text = Render($"feishu.default.{lang}.content", AlertGroupSamples.FiringSingle with { TruncatedAlerts = 3 }, lang,
            publicUrl: new Uri("https://promoter.example.com"));

        Assert.Contains(started, text, StringComparison.Ordinal);
        Assert.Contains(silence + FeishuMessageComposer.SilenceUrl("http://vm:19093", AlertGroupSamples.FiringSingle.Alerts[0].Labels) + ")", text, StringComparison.Ordinal);
        Assert.Contains(page, text, StringComparison.Ordinal);
        Assert.Contains("3", text, StringComparison.Ordinal);
        Assert.Contains("max_alerts", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh", "**恢复时间**：2026-11-22 06:45:20 CST")]
    [InlineData("en", "**Resolved**: 2026-11-21 22:45:20 UTC")]
    public void DefaultContent_Resolved_ResolveTime(string lang, string resolved)
    {
        var text = Render($"feishu.default.{lang}.content", AlertGroupSamples.Resolved, lang, lang == "zh" ? "Asia/Shanghai" : "UTC");

        Assert.Contains(resolved, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("en")]
    public void Digest_BothLanguages_Renders(string lang)
    {
        var title = Render($"feishu.digest.{lang}.title", AlertGroupSamples.FiringSingle, lang, digest: FeishuChannelTests.SampleDigest());
        var text = Render($"feishu.digest.{lang}.content", AlertGroupSamples.FiringSingle, lang, digest: FeishuChannelTests.SampleDigest());

        Assert.Contains("5", title, StringComparison.Ordinal);
        Assert.Contains("(https://promoter.example.com/alerts/00000000000000a1)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    /// <summary>The template's filter uses only Alertmanager functions: amtool (Go's own engine) is the oracle; the card's
    /// silence button (built in C#) must encode the same.</summary>
    [Fact]
    public async Task SilenceFilter_SameAsAmtoolAndTheButton()
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install -y prometheus-alertmanager");
        var dir = TestPaths.NewTempDirectory();
        var file = Path.Combine(dir, "feishu.tmpl");
        var source = FeishuPlugin.DefaultTemplates().Text;
        var start = source.IndexOf("{{ define \"feishu.__silence_filter\"", StringComparison.Ordinal);
        var end = source.IndexOf("{{- end }}", start, StringComparison.Ordinal) + "{{- end }}".Length;
        await File.WriteAllTextAsync(file, source[start..end]);
        var data = TestPaths.TestData("chat", "silence-labels.json");

        await using var process = ChildProcess.Start(amtool, ["template", "render", "--template.glob=" + file, "--template.data=" + data,
            "--template.text={{ range .Alerts }}{{ template \"feishu.__silence_filter\" . }}{{ end }}"]);
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, process.Output);
        var group = AlertGroupSamples.Parse(await File.ReadAllTextAsync(data));
        var button = FeishuMessageComposer.SilenceUrl(group.ExternalUrl, group.Alerts[0].Labels);
        Assert.Equal(group.ExternalUrl + "/#/silences/new?filter=" + process.Output.Trim(), button);
    }
}
