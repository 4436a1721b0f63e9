using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;
using Promoter.Host.Cli;
using Promoter.Host.Pipeline;
using Promoter.Host.Web;
using Promoter.Host.Plugins;
using Promoter.Host.Templates;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Templates;

/// <summary>The host's template sets with the real plugins: the dingtalk profile serves the old projects' names.</summary>
public sealed class DropInProfileTests
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

    private static string Render(string text, string profile, IReadOnlyDictionary<string, object?>? extras = null)
    {
        var group = AlertmanagerPayload.Parse(File.ReadAllBytes(TestPaths.TestData("alertmanager-0.25", "firing-single.json")));
        return Renderer.Value.Compile("test", text, profile).Render(new TemplateInput(group) { Extras = extras ?? new Dictionary<string, object?>() });
    }

    [Fact]
    public void DingTalkProfile_PromoterGoContent_ReplacesThePluginsAndMentions()
    {
        var go = Render("""{{ template "dingtalk.default.content" . }}""", TemplateProfiles.DingTalk,
            new Dictionary<string, object?> { ["AtMobiles"] = new[] { "13800000000" } });
        var own = Render("""{{ template "dingtalk.default.content" . }}""", TemplateProfiles.Alertmanager);

        Assert.StartsWith("\n### 1 Alerts Firing:\n\n**Scrape of 127.0.0.1:19090 is slow**", go, StringComparison.Ordinal);
        Assert.Contains("@13800000000", go, StringComparison.Ordinal);
        Assert.DoesNotContain("### 1 Alerts Firing:", own, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ding.link.title", "[FIRING:1] HighScrapeDuration (127.0.0.1:19090 prometheus warning 运维)")]
    [InlineData("legacy.title", "[FIRING:1] HighScrapeDuration (127.0.0.1:19090 prometheus warning 运维)")]
    public void DingTalkProfile_OldProjectTitles_Render(string name, string expected)
    {
        Assert.Equal(expected, Render($"{{{{ template \"{name}\" . }}}}", TemplateProfiles.DingTalk));
    }

    [Fact]
    public void DingTalkProfile_DingLinkContent_LinksAlertmanagerAndQuotesLabels()
    {
        var text = Render("""{{ template "ding.link.content" . }}""", TemplateProfiles.DingTalk);

        Assert.StartsWith("#### \\[FIRING:1\\] **[HighScrapeDuration](http://vm:19093/#/alerts?receiver=ops-dingtalk)**\n### Alerts Firing\n", text, StringComparison.Ordinal);
        Assert.Contains("> - team: 运维\n", text, StringComparison.Ordinal);
    }
}
