using Promoter.Host.Cli;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Configuration;

public sealed class CheckConfigTests
{
    [Fact]
    public void CheckConfig_ThreeMistakes_ReportsAllThreeWithPathsAndExitsOne()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(TestPaths.TestData("config", "three-mistakes.yaml"), stdout, stderr);

        var errors = stderr.ToString();
        Assert.Equal(1, code);
        Assert.Contains("three-mistakes.yaml:3:10: lissten: unknown key 'lissten' (fix: did you mean 'listen'?)", errors, StringComparison.Ordinal);
        Assert.Contains("delivery.deadline: '1 hour' is not a duration", errors, StringComparison.Ordinal);
        Assert.Contains("receivers[0].channels[1]: channel 'missing-channel' is not defined (fix: use one of: ops-log)", errors, StringComparison.Ordinal);
        Assert.Contains("3 error(s)", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckConfig_ValidFile_ExitsZero()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(TestPaths.TestData("config", "valid-log-only.yaml"), stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("configuration is valid", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("renderer: a\n    renderers: [a]", "receivers[0].renderer: both renderer and renderers are set")]
    [InlineData("renderers: [a, nope]", "receivers[0].renderers[1]: renderer 'nope' is not defined")]
    [InlineData("max_charts: 51", "receivers[0].max_charts: 51 is out of range")]
    [InlineData("digest_after: soon", "receivers[0].digest_after: 'soon' is not a duration")]
    [InlineData("digest_after: 1s", "receivers[0].digest_after: 1s is out of range")]
    public void CheckConfig_ReceiverRouteMistake_NamedWithItsPath(string receiverLines, string expected)
    {
        var dir = TestPaths.NewTempDirectory("promoter-route");
        var file = Path.Combine(dir, "promoter.yaml");
        File.WriteAllText(file, $"""
            channels:
              ops-log: {"{"} type: log {"}"}
            receivers:
              - name: ops
                channels: [ops-log]
                {receiverLines}
            """.Replace("renderers: [a", "renderers: [ops-log", StringComparison.Ordinal).Replace("renderer: a", "renderer: ops-log", StringComparison.Ordinal));
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(file, new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.Contains(expected.Replace("'a'", "'ops-log'", StringComparison.Ordinal), stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("digest_after: off")]
    [InlineData("digest_after: 2m\n    max_charts: 0")]
    public void CheckConfig_ReceiverRouteOptions_Valid(string receiverLines)
    {
        var dir = TestPaths.NewTempDirectory("promoter-route");
        var file = Path.Combine(dir, "promoter.yaml");
        File.WriteAllText(file, $"""
            channels:
              ops-log: {"{"} type: log {"}"}
            receivers:
              - name: ops
                channels: [ops-log]
                {receiverLines}
            """);
        var stderr = new StringWriter();

        Assert.True(ConfigCommands.CheckConfig(file, new StringWriter(), stderr) == 0, stderr.ToString());
    }

    [Fact]
    public void CheckConfig_MissingFile_NamesTheFile()
    {
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig("/nonexistent/promoter.yaml", new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/promoter.yaml", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("cannot read the configuration file", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_AsProcess_PrintsErrorsToStderrAndExitsOne()
    {
        await using var process = ChildProcess.Start("dotnet",
            [Path.Combine(TestPaths.HostBinDirectory, "promoter.dll"), "check-config", TestPaths.TestData("config", "three-mistakes.yaml")]);

        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(1, code);
        Assert.Contains("lissten", process.Output, StringComparison.Ordinal);
        Assert.Contains("delivery.deadline", process.Output, StringComparison.Ordinal);
        Assert.Contains("receivers[0].channels[1]", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }
}

public sealed class CheckConfigTemplateTests
{
    [Theory]
    // Channels that fall back to a built-in message at run time: check-config is where the typo must show.
    [InlineData("dingtalk", "url: \"https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789\", template: { text: '{{ .Alerts' }", "template.text")]
    [InlineData("slack", "webhook_url: \"https://hooks.slack.com/services/T0/B0/abcdefabcdef\", template: { title: '{{ if }}' }", "template.title")]
    [InlineData("webhook", "url: \"http://127.0.0.1:9/x\", template: { body: '{{ nosuchfunc . }}' }", "template.body")]
    [InlineData("dingtalk", "url: \"https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789\", template: { profile: alertmanager, text: '{{ repeat 2 \"x\" }}' }", "template.text")]
    public async Task CheckConfig_ChannelTemplateDoesNotParse_ExitsOneNamingIt(string type, string options, string key)
    {
        var dir = TestPaths.NewTempDirectory("promoter-check");
        var path = Path.Combine(dir, "config.yaml");
        await File.WriteAllTextAsync(path, $$"""
            channels:
              c: { type: {{type}}, {{options}} }
            receivers:
              - name: r
                channels: [c]
            """);
        await using var process = ChildProcess.Start("dotnet", [Path.Combine(TestPaths.HostBinDirectory, "promoter.dll"), "check-config", path], workingDirectory: dir);

        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(code == 1, process.Output);
        Assert.Contains($"channels.c.{key}", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("configuration is valid", process.Output, StringComparison.Ordinal);
    }
}

public sealed class DataFlagTests
{
    [Theory]
    // --data, like every path flag, is relative to the current directory; data_dir: in the file to the file's folder.
    [InlineData("state-here", "data_dir: from-file\n", "cwd", "state-here")]
    [InlineData(null, "data_dir: from-file\n", "config", "from-file")]
    [InlineData(null, "", "config", "data")]
    public void Load_DataFlagOrKey_ResolvedFromTheRightFolder(string? flag, string yaml, string root, string expected)
    {
        var configDir = TestPaths.NewTempDirectory("promoter-datacfg");
        var path = Path.Combine(configDir, "config.yaml");
        File.WriteAllText(path, yaml + "channels:\n  l: { type: log }\nreceivers:\n  - name: r\n    channels: [l]\n");

        var loaded = Promoter.Host.Configuration.ConfigLoader.Load(path, new Promoter.Host.Configuration.ConfigOverrides(DataDirectory: flag));

        Assert.NotNull(loaded.Settings);
        var baseDir = root == "cwd" ? Directory.GetCurrentDirectory() : configDir;
        Assert.Equal(Path.GetFullPath(expected, baseDir), loaded.Settings.DataDirectory);
    }
}

public sealed class CheckConfigImageReachTests
{
    private const string Ding = "{ type: dingtalk, url: \"https://oapi.dingtalk.com/robot/send?access_token=0123abcd\" }";
    private const string WeComUpload = "{ type: wecom, url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123-abcd\" }";
    private const string WeComLink = "{ type: wecom, url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123-abcd\", images: link }";
    private const string FeishuNoApp = "{ type: feishu, url: \"https://open.feishu.cn/open-apis/bot/v2/hook/0123-abcd\" }";
    private const string Hook = "{ type: webhook, url: \"http://127.0.0.1:9/hook\" }";
    private const string Local = "{ type: local }";
    private const string LocalWithPublicUrl = "{ type: local, public_url: \"https://img.example.com/saved-images\" }";
    private const string MinioService = "{ type: s3, endpoint: \"http://minio:9000\", bucket: alerts, force_path_style: true }";
    private const string MinioLoopbackSaidPublic = "{ type: s3, endpoint: \"http://127.0.0.1:9000\", bucket: alerts, force_path_style: true, public: true }";
    private const string Oss = "{ type: s3, endpoint: \"https://oss-cn-beijing.aliyuncs.com\", region: cn-beijing, bucket: alerts }";
    private const string PrivateIpOss = "{ type: s3, endpoint: \"http://10.1.2.3:9000\", bucket: alerts, force_path_style: true }";
    private const string AzureCluster = "{ type: azure_blob, account_url: \"http://azurite.monitoring.svc:10000/devstoreaccount1\", account_name: devstoreaccount1, account_key: \"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==\", container: alerts }";

    [Theory]
    [InlineData(Local, Ding, "", true)]
    [InlineData(LocalWithPublicUrl, Ding, "", false)]
    [InlineData(Local, Ding, "public_url: https://promoter.example.com\n", false)]
    [InlineData(MinioService, Ding, "", true)]
    [InlineData(PrivateIpOss, Ding, "", true)]
    [InlineData(AzureCluster, Ding, "", true)]
    [InlineData(MinioLoopbackSaidPublic, Ding, "", false)]
    [InlineData(Oss, Ding, "", false)]
    [InlineData(Local, WeComUpload, "", false)]
    [InlineData(Local, WeComLink, "", true)]
    [InlineData(Local, FeishuNoApp, "", true)]
    [InlineData(Local, Hook, "", false)]
    public void CheckConfig_ChatChannelLinkingStoreUrls_WarnsOnlyWhenTheServiceCannotFetchThem(string store, string channel, string top, bool warns)
    {
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(WriteConfig(top, store, channel, ""), new StringWriter(), stderr);

        Assert.True(code == 0, stderr.ToString());
        if (warns)
        {
            Assert.Contains("warning: ", stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains("receivers[0].channels[0]: channel 'robot'", stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains("links charts from store 'charts'", stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains("(fix: give the store a public_url", stderr.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("warning: ", stderr.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CheckConfig_PrivateStoreButNoCharts_NoWarning()
    {
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(WriteConfig("", Local, Ding, "    max_charts: 0\n"), new StringWriter(), stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.DoesNotContain("warning: ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wecom", WeComLink, "remove 'images: link'")]
    [InlineData("feishu", FeishuNoApp, "app_id and app_secret_file")]
    [InlineData("dingtalk", Ding, "DingTalk robots cannot upload images")]
    public void CheckConfig_PrivateStore_FixNamesTheChannelsOwnWayOut(string type, string channel, string expected)
    {
        var stderr = new StringWriter();

        ConfigCommands.CheckConfig(WriteConfig("", Local, channel, ""), new StringWriter(), stderr);

        Assert.Contains($"({type})", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
    }

    private static string WriteConfig(string top, string store, string channel, string receiverExtra)
    {
        var file = Path.Combine(TestPaths.NewTempDirectory("promoter-reach"), "promoter.yaml");
        File.WriteAllText(file, top + $"plugins_dir: \"{Path.Combine(TestPaths.HostBinDirectory, "plugins")}\"\n" +
            "renderers:\n  prom: { type: prometheus, url: \"http://127.0.0.1:9090\" }\n" +
            $"stores:\n  charts: {store}\n" +
            $"channels:\n  robot: {channel}\n" +
            "receivers:\n  - name: ops\n    renderer: prom\n    store: charts\n    channels: [robot]\n" + receiverExtra);
        return file;
    }
}
