using Promoter.Channel.DingTalk;
using Promoter.Testing.Channels;

namespace Promoter.Channel.DingTalk.Tests;

public sealed class DingTalkOptionsTests
{
    private const string Url = "https://oapi.dingtalk.com/robot/send?access_token=tok_SECRET_123456";

    public static TheoryData<(string, object?)[], string> BadSections => new()
    {
        { [], "'url' (or 'url_file') is required" },
        { [("url", "not a url")], "not an absolute http(s) URL" },
        { [("url", "https://oapi.dingtalk.com/robot/send")], "no access_token" },
        { [("url", Url), ("secret", "nope")], "starts with SEC" },
        { [("url", Url), ("secret", "SECx"), ("secret_file", "/x")], "both 'secret' and 'secret_file'" },
        { [("url", Url), ("timeout", "soon")], "is not a duration" },
        { [("url", Url), ("messages_per_minute", "50")], "out of range" },
        { [("url", Url), ("at_mobiles", new[] { "138 0000" })], "is not a mobile number" },
        { [("url", Url), ("template", new (string, object?)[] { ("profile", "jinja") })], "is not one of" },
        { [("url", Url), ("secert", "SECx")], "did you mean 'secret'" },
    };

    [Theory]
    [MemberData(nameof(BadSections))]
    public void Create_BadSection_ReportsErrorWithoutEchoingSecrets((string, object?)[] pairs, string expected)
    {
        using var context = new ChannelTestContext(new DingTalkPlugin());

        var (_, errors) = context.TryCreate("dingtalk", SettingsBuilder.FromPairs(pairs));

        var all = string.Join("\n", errors);
        Assert.Contains(expected, all, StringComparison.Ordinal);
        Assert.DoesNotContain("tok_SECRET_123456", all, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Fix), e.ToString()));
    }

    [Fact]
    public void Create_SecretsFromFiles_Read()
    {
        using var context = new ChannelTestContext(new DingTalkPlugin());
        var files = new Dictionary<string, string> { ["/run/url"] = Url + "\n", ["/run/secret"] = "SECfromfile\n" };

        var (_, errors) = context.TryCreate("dingtalk", SettingsBuilder.FromPairs(("url_file", "/run/url"), ("secret_file", "/run/secret")),
            readSecretFile: p => files[p]);

        Assert.Empty(errors);
    }
}
