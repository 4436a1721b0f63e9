using Promoter.Channel.DingTalk;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.DingTalk.Tests;

/// <summary>The shipped templates checked by the reference engine: Alertmanager's own amtool.</summary>
public sealed class DingTalkTemplateTests
{
    [Theory]
    [InlineData("dingtalk.default.title", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2")]
    [InlineData("dingtalk.default.content", "### [ALERTSTATUS] grouplabelvalue1 grouplabelvalue2")]
    public async Task DefaultTemplates_RenderedByAmtool_ParseAndRender(string definition, string expected)
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install -y prometheus-alertmanager");
        var dir = TestPaths.NewTempDirectory();
        var file = Path.Combine(dir, "default.tmpl");
        await File.WriteAllTextAsync(file, DingTalkPlugin.DefaultTemplates().Text);

        await using var process = ChildProcess.Start(amtool, ["template", "render", "--template.glob=" + file, $"--template.text={{{{ template \"{definition}\" . }}}}"]);
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, process.Output);
        Assert.Equal(expected, process.Output.Trim());
    }
}
