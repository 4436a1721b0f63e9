using Promoter.Templating.Alertmanager;
using Promoter.Testing.Infrastructure;

namespace Promoter.Templating.Tests;

/// <summary>
/// The built-in names of prometheus-webhook-dingtalk and Promoter (Go) in the dingtalk profile: a migrated custom
/// file calling them renders the bytes the old project rendered (see tests/testdata/templates/dropin/README.md).
/// </summary>
public sealed class DropInTemplatesTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(TestPaths.TestData("templates", "dropin", "expected"), "*.txt").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            data.Add(name[..name.IndexOf('@', StringComparison.Ordinal)], name[(name.IndexOf('@', StringComparison.Ordinal) + 1)..]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_DingTalkProfile_SameBytesAsTheOldProject(string template, string payload)
    {
        var json = File.ReadAllText(TestPaths.TestData("templates", "dropin", payload + ".json"));
        var dot = template.EndsWith("__text_alert_list", StringComparison.Ordinal) ? ".Alerts" : ".";

        var output = AmtoolCompatibleRenderer.Render([], $"{{{{ template \"{template}\" {dot} }}}}", json, FunctionProfile.DingTalk);

        Assert.Equal(File.ReadAllText(TestPaths.TestData("templates", "dropin", "expected", $"{template}@{payload}.txt")), output);
    }

    [Fact]
    public void Cases_CoverEveryDocumentedName()
    {
        var names = Cases().Select(c => (string)c[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var name in new[] { "ding.link.title", "ding.link.content", "default.title", "default.content", "legacy.title", "legacy.content",
                     "__text_alert_list", "default.__text_alert_list", "dingtalk.default.title", "dingtalk.default.content", "wechat.default.message" })
        {
            Assert.Contains(name, names);
        }
    }

    [Theory]
    [InlineData("ding.link.content")]
    [InlineData("legacy.content")]
    [InlineData("default.content")]
    public void Render_AlertmanagerProfile_NamesNotDefined(string template)
    {
        var json = File.ReadAllText(TestPaths.TestData("templates", "dropin", "mixed.json"));

        var e = Assert.ThrowsAny<TemplateException>(() => AmtoolCompatibleRenderer.Render([], $"{{{{ template \"{template}\" . }}}}", json, FunctionProfile.Alertmanager));

        Assert.Contains("not defined", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DingTalkProfile_TextAlertListIsTheOldProjectsNotAlertmanagers()
    {
        var json = File.ReadAllText(TestPaths.TestData("templates", "dropin", "mixed.json"));

        var ding = AmtoolCompatibleRenderer.Render([], """{{ template "__text_alert_list" .Alerts }}""", json, FunctionProfile.DingTalk);
        var am = AmtoolCompatibleRenderer.Render([], """{{ template "__text_alert_list" .Alerts }}""", json, FunctionProfile.Alertmanager);

        Assert.Contains("**Labels**", ding, StringComparison.Ordinal);
        Assert.Contains("Labels:\n - alertname = Disk_Full", am, StringComparison.Ordinal);
    }
}
