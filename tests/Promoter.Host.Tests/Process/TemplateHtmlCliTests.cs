using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Process;

/// <summary>`promoter template render --template.type=html` against `amtool template render --template.type=html`.</summary>
public sealed class TemplateHtmlCliTests
{
    private const string PackagedTemplates = "/usr/share/prometheus/alertmanager";

    private static async Task<(int Code, string Output)> Run(string program, params string[] args)
    {
        await using var p = ChildProcess.Start(program, args, workingDirectory: TestPaths.NewTempDirectory("promoter-cli"));
        var code = await p.WaitForExitAsync(TimeSpan.FromMinutes(1));
        return (code, p.Output);
    }

    // Alertmanager's own e-mail body, and values landing in text, attributes, a URL query and a script.
    [Theory]
    [InlineData("{{ template \"email.default.html\" . }}")]
    [InlineData("<a href=\"{{ .ExternalURL }}?r={{ .Receiver }}\" title=\"{{ .CommonLabels.team }}\">{{ .GroupLabels.alertname }}</a><script>x={{ .Status }}</script>")]
    public async Task TemplateRenderCli_TypeHtml_SameOutputAsAmtool(string template)
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install prometheus-alertmanager");
        var data = TestPaths.TestData("templates", "data", "html-hostile.json");
        string[] args = ["template", "render", $"--template.glob={PackagedTemplates}/email.tmpl", $"--template.text={template}", $"--template.data={data}", "--template.type=html"];

        var (refCode, reference) = await Run(amtool, ["template", "render", $"--template.glob={PackagedTemplates}/default.tmpl", .. args[2..]]);
        var (code, ours) = await Run("dotnet", [Path.Combine(TestPaths.HostBinDirectory, "promoter.dll"), .. args]);

        Assert.True(refCode == 0, reference);
        Assert.True(code == 0, ours);
        Assert.Equal(reference, ours);
    }

    [Fact]
    public async Task TemplateRenderCli_UnknownType_ErrorNamesTheFlag()
    {
        var (code, output) = await Run("dotnet", Path.Combine(TestPaths.HostBinDirectory, "promoter.dll"), "template", "render", "--template.text=x", "--template.type=xml");

        Assert.Equal(1, code);
        Assert.Contains("--template.type: 'xml' is not text or html", output, StringComparison.Ordinal);
    }
}
