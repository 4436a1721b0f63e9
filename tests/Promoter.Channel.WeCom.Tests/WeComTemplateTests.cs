using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.WeCom.Tests;

/// <summary>The shipped templates, rendered by Promoter's real engine in both languages, and the silence filter checked against amtool.</summary>
public sealed class WeComTemplateTests
{
    private static readonly RealTemplateRenderer Engine = new([WeComPlugin.DefaultTemplates()]);

    // The firing fixture's labels as Alertmanager matchers, URL-encoded (the new-silence form's filter).
    private static readonly string SilenceFilter = Uri.EscapeDataString(
        "{alertname=\"HighScrapeDuration\",instance=\"127.0.0.1:19090\",job=\"prometheus\",severity=\"warning\",team=\"运维\"}");

    internal static string Render(string definition, AlertGroup group, string lang = "zh", string timeZone = "Asia/Shanghai",
        Uri? publicUrl = null, NotificationDigest? digest = null, IReadOnlyList<NotificationImage>? images = null) =>
        Engine.Compile("test", $"{{{{ template \"{definition}\" . }}}}").Render(new TemplateInput(group)
        {
            Images = images ?? [],
            Extras = ChatTemplateExtras.For(group, lang, timeZone, publicUrl, digest),
        });

    [Theory]
    [InlineData("zh", "Asia/Shanghai", "开始时间：2026-11-22 06:45:02 CST", "[静默](http://vm:19093/#/silences/new?filter=", "[告警页面](https://promoter.example.com/alerts/6b1410b0fcb84541)")]
    [InlineData("en", "UTC", "Started: 2026-11-21 22:45:02 UTC", "[Silence](http://vm:19093/#/silences/new?filter=", "[Alert page](https://promoter.example.com/alerts/6b1410b0fcb84541)")]
    [InlineData("en", "Europe/Berlin", "Started: 2026-11-21 23:45:02 CET", "[Silence](", "[Alert page](")]
    public void DefaultContent_Firing_TimesInZoneSilenceAndAlertPageLinks(string lang, string zone, string started, string silence, string page)
    {
        var text = Render($"wecom.default.{lang}.content", AlertGroupSamples.FiringSingle, lang, zone, new Uri("https://promoter.example.com/"));

        Assert.Contains(started, text, StringComparison.Ordinal);
        Assert.Contains(silence, text, StringComparison.Ordinal);
        Assert.Contains("silences/new?filter=" + SilenceFilter + ")", text, StringComparison.Ordinal);
        Assert.Contains(page, text, StringComparison.Ordinal);
        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", text, StringComparison.Ordinal);
        Assert.Contains("scrape took 0.005555609s (threshold 1µs)", text, StringComparison.Ordinal);
        Assert.Contains("(http://vm:19090/graph?g0.expr=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh", "告警已恢复", "恢复时间：2026-11-22 06:45:20 CST")]
    [InlineData("en", "Resolved", "Resolved: 2026-11-22 06:45:20 CST")]
    public void DefaultContent_Resolved_StatusAndResolveTime(string lang, string status, string resolved)
    {
        var text = Render($"wecom.default.{lang}.content", AlertGroupSamples.Resolved, lang);

        Assert.Contains(status, text, StringComparison.Ordinal);
        Assert.Contains(resolved, text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh", "另有 7 条告警因 Alertmanager 的 max_alerts 未发送")]
    [InlineData("en", "7 more alerts were left out by Alertmanager's max_alerts")]
    public void DefaultContent_TruncatedAlerts_Said(string lang, string note)
    {
        var text = Render($"wecom.default.{lang}.content", AlertGroupSamples.FiringSingle with { TruncatedAlerts = 7 }, lang);

        Assert.Contains(note, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("en")]
    public void DefaultContent_NoPublicUrl_NoAlertPageLink(string lang)
    {
        var text = Render($"wecom.default.{lang}.content", AlertGroupSamples.FiringSingle, lang);

        Assert.DoesNotContain("/alerts/6b1410b0fcb84541", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("en")]
    public void DigestContent_BothLanguages_Renders(string lang)
    {
        var text = Render($"wecom.digest.{lang}.content", AlertGroupSamples.FiringSingle, lang, digest: WeComChannelTests.SampleDigest());

        Assert.Contains("(https://promoter.example.com/alerts/00000000000000a1)", text, StringComparison.Ordinal);
        Assert.Contains("2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    /// <summary>The silence filter uses only Alertmanager functions: amtool (Go's own engine) is the oracle.</summary>
    [Fact]
    public async Task SilenceFilter_SameAsAmtool()
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install -y prometheus-alertmanager");
        var dir = TestPaths.NewTempDirectory();
        var file = Path.Combine(dir, "wecom.tmpl");
        // Only the filter definition: the rest uses functions newer than Debian's amtool (dict, tz, date).
        var source = WeComPlugin.DefaultTemplates().Text;
        var start = source.IndexOf("{{ define \"wecom.__silence_filter\"", StringComparison.Ordinal);
        var end = source.IndexOf("{{- end }}", start, StringComparison.Ordinal) + "{{- end }}".Length;
        await File.WriteAllTextAsync(file, source[start..end]);
        const string text = "{{ range .Alerts }}{{ template \"wecom.__silence_filter\" . }}|{{ end }}";

        // Label values with a space, quotes, '+', '&' and Chinese: every escaping rule of the matcher and the URL.
        var data = TestPaths.TestData("chat", "silence-labels.json");

        await using var process = ChildProcess.Start(amtool, ["template", "render", "--template.glob=" + file, "--template.data=" + data, "--template.text=" + text]);
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, process.Output);
        var ours = Promoter.Templating.Alertmanager.AmtoolCompatibleRenderer.Render([file], text, await File.ReadAllTextAsync(data),
            Promoter.Templating.FunctionProfile.Alertmanager);
        Assert.Equal(process.Output.Trim(), ours.Trim());
        Assert.Contains("path%3D%22%2Fdata%20%5C%22tmp%5C%22%20dir%2Bx%20%26%20y%22", ours, StringComparison.Ordinal);
    }
}
