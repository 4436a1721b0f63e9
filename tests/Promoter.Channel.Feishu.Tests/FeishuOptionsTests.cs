using Promoter.Testing.Channels;

namespace Promoter.Channel.Feishu.Tests;

public sealed class FeishuOptionsTests
{
    private const string Url = "https://open.feishu.cn/open-apis/bot/v2/hook/abc-token";

    [Theory]
    [InlineData("url", "https://open.feishu.cn/open-apis/other/abc-token", "url", "custom bot")]
    [InlineData("app_id", "cli_x", "app_secret", "go together")]
    [InlineData("messages_per_second", "10", "messages_per_second", "5")]
    [InlineData("lang", "jp", "lang", "zh")]
    [InlineData("mention_label", "owner-mobile", "mention_label", "label")]
    public void Create_BadValue_ErrorNamingKeyAndFix(string key, string value, string path, string expected)
    {
        using var context = new ChannelTestContext(new FeishuPlugin());
        var pairs = new List<(string, object?)> { ("url", Url) };
        pairs.RemoveAll(p => p.Item1 == key);
        pairs.Add((key, value));

        var (_, errors) = context.TryCreate("feishu", SettingsBuilder.FromPairs([.. pairs]));

        var error = Assert.Single(errors);
        Assert.EndsWith(path, error.Path, StringComparison.Ordinal);
        Assert.Contains(expected, error.Fix + error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abc-token", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "https://open.feishu.cn/")]
    [InlineData(true, "https://open.larksuite.com/")]
    public void Read_Lark_AppApiHost(bool lark, string expected)
    {
        var settings = SettingsBuilder.Settings(SettingsBuilder.FromPairs(("url", Url), ("lark", lark)));

        var options = FeishuOptions.Read(settings);

        Assert.Equal(new Uri(expected), options!.ApiUrl);
    }
}
