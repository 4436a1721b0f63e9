using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;
using Promoter.Host.Cli;
using Promoter.Host.Pipeline;
using Promoter.Host.Web;
using Promoter.Host.Plugins;
using Promoter.Host.Templates;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Templates;

/// <summary>
/// The default templates the channel plugins ship, rendered by the real Go template engine with the real
/// plugin builds' template sources and the captured Alertmanager payloads.
/// </summary>
public sealed class ShippedTemplatesTests
{
    private static readonly Lazy<GoTemplateRenderer> Renderer = new(() =>
    {
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        var catalog = services.GetRequiredService<PluginLoader>().Load(Path.Combine(TestPaths.HostBinDirectory, "plugins"));
        var diagnostics = new ConfigDiagnostics();
        var renderer = GoTemplateRenderer.Create(catalog.TemplateSources, [], diagnostics, new SourceLocation("test", 0, 0));
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Errors));
        return renderer;
    });

    private static string Render(string template, string fixture, bool withImage = true)
    {
        var group = AlertmanagerPayload.Parse(File.ReadAllBytes(TestPaths.TestData("alertmanager-0.25", fixture)));
        var images = withImage
            ? new[] { new NotificationImage { AlertIndex = 0, Title = "scrape_duration_seconds > 1e-06", Url = new Uri("https://img.example.com/a.png"), IsUrlPublic = true } }
            : [];
        return Renderer.Value.Compile("test", $"{{{{ template \"{template}\" . }}}}").Render(new TemplateInput(group) { Images = images });
    }

    [Theory]
    [InlineData("dingtalk.default.title", "firing-single.json", "[FIRING:1] HighScrapeDuration")]
    [InlineData("dingtalk.default.title", "resolved.json", "[RESOLVED] HighScrapeDuration")]
    [InlineData("slack.promoter.title", "firing-single.json", "HighScrapeDuration")]
    [InlineData("promoter.log.title", "firing-single.json", "[FIRING:1] HighScrapeDuration (127.0.0.1:19090 prometheus warning 运维)")]
    public void Title_CapturedPayload_AsExpected(string template, string fixture, string expected) =>
        Assert.Contains(expected, Render(template, fixture), StringComparison.Ordinal);

    // Slack's text carries no image URL: the channel adds the charts as image blocks (or uploads them).
    [Theory]
    [InlineData("dingtalk.default.content", true)]
    [InlineData("slack.promoter.text", false)]
    [InlineData("promoter.log.text", true)]
    public void Content_FiringWithChart_ShowsSummaryAndImageWhereTheTextCarriesIt(string template, bool textCarriesImage)
    {
        var text = Render(template, "firing-single.json");

        Assert.Contains("Scrape of 127.0.0.1:19090 is slow", text, StringComparison.Ordinal);
        Assert.Equal(textCarriesImage, text.Contains("https://img.example.com/a.png", StringComparison.Ordinal));
        Assert.DoesNotContain("<no value>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DingTalkContent_Firing_MarkdownWithLabelsTimesAndImage()
    {
        var text = Render("dingtalk.default.content", "firing-single.json");

        Assert.Contains("**🔥 1 firing**", text, StringComparison.Ordinal);
        Assert.Contains("- **Severity:** warning", text, StringComparison.Ordinal);
        Assert.Contains("- **Started:** 2026-11-21 22:45:02 UTC", text, StringComparison.Ordinal);
        Assert.Contains("`team=运维`", text, StringComparison.Ordinal);
        Assert.Contains("- **Description:** scrape took 0.005555609s (threshold 1µs)", text, StringComparison.Ordinal);
        Assert.Contains("![scrape_duration_seconds > 1e-06](https://img.example.com/a.png)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DingTalkContent_Resolved_ShowsResolveTimeAndNoFiringSection()
    {
        var text = Render("dingtalk.default.content", "resolved.json", withImage: false);

        Assert.Contains("**✅ 1 resolved**", text, StringComparison.Ordinal);
        Assert.Contains("- **Resolved:** 2026-11-21 22:45:20 UTC", text, StringComparison.Ordinal);
        Assert.DoesNotContain("firing**", text, StringComparison.Ordinal);
        Assert.DoesNotContain("![", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UnknownFunction_ParseErrorNamesTemplateAndPosition()
    {
        var e = Assert.Throws<TemplateException>(() => Renderer.Value.Compile("channels.x.template.text", "line1\n{{ nosuchfunc . }}"));

        Assert.Contains("channels.x.template.text:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"nosuchfunc\" not defined", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_DingTalkProfile_HasSprigButNotEnv()
    {
        var group = AlertmanagerPayload.Parse(File.ReadAllBytes(TestPaths.TestData("alertmanager-0.25", "firing-single.json")));

        var text = Renderer.Value.Compile("t", "{{ .CommonLabels.severity | upper }} {{ default \"x\" .CommonLabels.missing }}", TemplateProfiles.DingTalk)
            .Render(new TemplateInput(group));

        Assert.Equal("WARNING x", text);
        Assert.Throws<TemplateException>(() => Renderer.Value.Compile("t", "{{ env \"HOME\" }}", TemplateProfiles.DingTalk));
    }

    [Fact]
    public void ToData_RegexEscapesReceiverLikeAlertmanager() =>
        Assert.Equal(@"team\.a", GoTemplateRenderer.QuoteMeta("team.a"));
}
