using Promoter.Host.Cli;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Configuration;

public sealed class ConvertConfigTests
{
    /// <summary>Converts a testdata file and checks the result with the real plugins, as `check-config` would.</summary>
    private static (int ConvertCode, int CheckCode, string Converted, string Errors) ConvertAndCheck(string from, string file)
    {
        var dir = TestPaths.NewTempDirectory("promoter-convert");
        TestPluginBuildsCopy(TestPaths.TestData("convert", "templates"), Path.Combine(dir, "templates"));
        var output = Path.Combine(dir, "promoter.yaml");
        var stderr = new StringWriter();

        var convertCode = ConfigCommands.ConvertConfig(from, TestPaths.TestData("convert", file), output, new StringWriter(), stderr);
        if (convertCode != 0)
        {
            return (convertCode, -1, "", stderr.ToString());
        }

        var converted = File.ReadAllText(output);
        File.AppendAllText(output, $"plugins_dir: \"{Path.Combine(TestPaths.HostBinDirectory, "plugins")}\"\n");
        var checkErrors = new StringWriter();
        var checkCode = ConfigCommands.CheckConfig(output, new StringWriter(), checkErrors);
        return (convertCode, checkCode, converted, checkErrors.ToString());
    }

    private static void TestPluginBuildsCopy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
    }

    [Fact]
    public void Convert_PrometheusWebhookDingTalk_ValidConfigKeepingTargetsMentionsAndTemplates()
    {
        var (convert, check, converted, errors) = ConvertAndCheck("dingtalk", "prometheus-webhook-dingtalk.yml");

        Assert.Equal(0, convert);
        Assert.True(check == 0, errors);
        Assert.Contains("listen: \":8060\"", converted, StringComparison.Ordinal);
        Assert.Contains("  - name: webhook_mention_users\n    channels: [webhook_mention_users]", converted, StringComparison.Ordinal);
        Assert.Contains("at_mobiles: [156xxxx8827, 189xxxx8325]", converted, StringComparison.Ordinal);
        Assert.Contains("at_all: true", converted, StringComparison.Ordinal);
        Assert.Contains("profile: dingtalk", converted, StringComparison.Ordinal);
        Assert.Contains("title: \"{{ template \\\"legacy.title\\\" . }}\"", converted, StringComparison.Ordinal);
        // A literal ${ in the old file must not become an environment reference.
        Assert.Contains("$${not-an-env}", converted, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_PromoterGo_ValidConfigWithRendererStoreAndCatchAllReceiver()
    {
        var (convert, check, converted, errors) = ConvertAndCheck("promoter", "promoter-go.yaml");

        Assert.Equal(0, convert);
        Assert.True(check == 0, errors);
        Assert.Contains("endpoint: \"https://oss-cn-beijing.aliyuncs.com\"", converted, StringComparison.Ordinal);
        Assert.Contains("points: 100", converted, StringComparison.Ordinal);
        Assert.Contains("- name: \"*\"", converted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dingtalk", "promoter-go.yaml", "no targets: section")]
    [InlineData("promoter", "prometheus-webhook-dingtalk.yml", "prometheus_url is missing")]
    [InlineData("grafana", "promoter-go.yaml", "--from must be dingtalk")]
    public void Convert_WrongSource_ExitOneWithReason(string from, string file, string message)
    {
        var (convert, _, _, errors) = ConvertAndCheck(from, file);

        Assert.Equal(1, convert);
        Assert.Contains(message, errors, StringComparison.Ordinal);
    }
}
