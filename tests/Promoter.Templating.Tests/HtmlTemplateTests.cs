using Promoter.Templating.Alertmanager;
using Promoter.Templating.Tests.Conformance;
using Promoter.Testing.Infrastructure;

namespace Promoter.Templating.Tests;

/// <summary>
/// html/template escaping beyond the one-line cases of 20-html-escaping.cases: Alertmanager's own e-mail
/// template (from the Debian package, as a user would load it) against amtool, and the isolation of the
/// escaped copy from the text set it came from.
/// </summary>
public sealed class HtmlTemplateTests
{
    /// <summary>Alertmanager's e-mail template as the Debian package installs it next to default.tmpl.</summary>
    private static string PackagedEmailTemplate => Path.Combine(Path.GetDirectoryName(AmtoolOracle.PackagedDefaultTemplates)!, "email.tmpl");

    public static TheoryData<string> DataFiles() => new("mixed.json", "firing-single.json", "resolved.json", "ten-alerts.json", "empty.json", "html-hostile.json");

    [Theory]
    [MemberData(nameof(DataFiles))]
    public void EmailDefaultHtml_AlertmanagerEmailTemplate_MatchesAmtoolByteForByte(string data)
    {
        LocalZone.PinToUtc();
        Assert.True(File.Exists(PackagedEmailTemplate), $"{PackagedEmailTemplate} is missing; install it with: {AmtoolOracle.InstallHint}");
        var dataPath = TestPaths.TestData("templates", "data", data);
        foreach (var text in new[] { "{{ template \"email.default.html\" . }}", "{{ template \"email.default.subject\" . }}" })
        {
            var oracle = AmtoolOracle.Render([PackagedEmailTemplate], text, dataPath, html: true, data);
            Assert.Null(oracle.Error);
            var ours = AmtoolCompatibleRenderer.Render([PackagedEmailTemplate], text, File.ReadAllText(dataPath), FunctionProfile.Alertmanager, html: true);
            Assert.Equal(oracle.Output, ours);
        }
    }

    [Fact]
    public void EscapeHtml_AfterEscaping_TextSetStillRendersUnescaped()
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("t.tmpl", "{{ define \"inner\" }}<b>{{ . }}</b>{{ end }}<a href=\"{{ template \"inner\" . }}\">{{ template \"inner\" . }}</a>");
        var html = set.EscapeHtml("t.tmpl");

        // Checked with amtool --template.type=html: the text of a template called in an attribute stays as
        // written, only its action is escaped for the URL.
        Assert.Equal("<a href=\"<b>%3c%22%3e</b>\"><b>&lt;&#34;&gt;</b></a>", html.Execute("t.tmpl", "<\">"));
        Assert.Equal("<a href=\"<b><\"></b>\"><b><\"></b></a>", set.Execute("t.tmpl", "<\">"));
        Assert.Equal("<b><\"></b>", set.Execute("inner", "<\">"));
    }

    [Theory]
    [InlineData("<a href=\"{{ . }}", "html/template:t: ends in a non-text context: {stateURL delimDoubleQuote urlPartNone jsCtxRegexp attrURL elementNone <nil>}")]
    [InlineData("{{ template \"missing\" }}", "html/template:t:1:12: no such template \"missing\"")]
    public void EscapeHtml_UnescapableTemplate_ThrowsGoMessage(string text, string message)
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("t", text);
        var e = Assert.Throws<HtmlEscapeException>(() => set.EscapeHtml("t"));
        Assert.Equal(message, e.GoMessage);
    }
}
