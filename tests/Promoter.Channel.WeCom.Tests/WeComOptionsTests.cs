using Promoter.Testing.Channels;

namespace Promoter.Channel.WeCom.Tests;

public sealed class WeComOptionsTests
{
    [Theory]
    [InlineData("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?nokey=1", "url", "?key=")]
    [InlineData("msgtype", "news", "msgtype", "markdown_v2")]
    [InlineData("images", "s3", "images", "upload")]
    [InlineData("timezone", "Nowhere/City", "timezone", "Asia/Shanghai")]
    [InlineData("max_bytes", "5000", "max_bytes", "4096")]
    public void Create_BadValue_ErrorNamingKeyAndFix(string key, string value, string path, string fix)
    {
        using var context = new ChannelTestContext(new WeComPlugin());
        var pairs = new List<(string, object?)> { ("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc") };
        pairs.RemoveAll(p => p.Item1 == key);
        pairs.Add((key, value));

        var (_, errors) = context.TryCreate("wecom", SettingsBuilder.FromPairs([.. pairs]));

        var error = Assert.Single(errors);
        Assert.EndsWith(path, error.Path, StringComparison.Ordinal);
        Assert.Contains(fix, error.Fix + error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("key=abc", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UrlFromFile_KeyRegisteredAsSecret()
    {
        using var context = new ChannelTestContext(new WeComPlugin());

        var (channel, errors) = context.TryCreate("wecom", SettingsBuilder.FromPairs(("url_file", "/secrets/wecom")),
            readSecretFile: _ => "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=from-file-key\n");

        Assert.Empty(errors);
        Assert.Equal("test", channel!.Name);
    }
}
