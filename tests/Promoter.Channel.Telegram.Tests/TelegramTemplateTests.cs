using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Telegram.Tests;

/// <summary>The shipped templates checked by the reference engine: Alertmanager's own amtool, over captured payloads.</summary>
public sealed class TelegramTemplateTests
{
    [Theory]
    [InlineData("firing-single.json", "🔥 [FIRING:1] HighScrapeDuration", "1 firing\n• Scrape of 127.0.0.1:19090 is slow (warning)\n  scrape took 0.005555609s (threshold 1µs)\n  Started 2026-11-21 22:45:02 UTC\n")]
    [InlineData("resolved.json", "✅ [RESOLVED] HighScrapeDuration", "1 resolved\n• Scrape of 127.0.0.1:19090 is slow (warning)\n  scrape took 0.00372076s (threshold 1µs)\n  Started 2026-11-21 22:45:02 UTC, resolved 2026-11-21 22:45:20 UTC\n")]
    public async Task DefaultTemplates_RenderedByAmtool_TitleAndPlainText(string fixture, string title, string textStart)
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install -y prometheus-alertmanager");
        var dir = TestPaths.NewTempDirectory();
        var file = Path.Combine(dir, "default.tmpl");
        await File.WriteAllTextAsync(file, TelegramPlugin.DefaultTemplates().Text);

        await using var process = ChildProcess.Start(amtool, ["template", "render", "--template.glob=" + file,
            "--template.data=" + TestPaths.TestData("alertmanager-0.25", fixture),
            "--template.text={{ template \"telegram.promoter.title\" . }}|{{ template \"telegram.promoter.text\" . }}"]);
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, process.Output);
        var parts = process.Output.Split('|', 2);
        Assert.Equal(title, parts[0]);
        Assert.StartsWith(textStart, parts[1], StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", process.Output, StringComparison.Ordinal);
    }
}
