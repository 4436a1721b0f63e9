using Promoter.Channel.DingTalk;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.DingTalk.Tests;

public sealed class DingTalkSignerTests
{
    [Theory]
    [InlineData("SECabc123", 1_700_000_000_000L)]
    [InlineData("SEC4c9d0e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6", 1_763_000_000_123L)]
    public async Task Sign_KnownInputs_MatchesOpenSslHmac(string secret, long timestamp)
    {
        // The oracle: openssl computes HMAC-SHA256(key = secret, "timestamp\nsecret") independently.
        var openssl = RequiredTool.Find("openssl", "apt-get install -y openssl");
        var tmp = Path.Combine(TestPaths.NewTempDirectory(), "message");
        await File.WriteAllTextAsync(tmp, $"{timestamp}\n{secret}");
        await using var process = ChildProcess.Start(openssl, ["dgst", "-sha256", "-hmac", secret, "-binary", "-out", tmp + ".mac", tmp]);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var expected = Convert.ToBase64String(await File.ReadAllBytesAsync(tmp + ".mac"));

        Assert.Equal(expected, new DingTalkSigner(secret).Sign(timestamp));
    }

    [Theory]
    [InlineData("https://oapi.dingtalk.com/robot/send?access_token=abc")]
    [InlineData("http://127.0.0.1:8080/robot/send?access_token=abc&x=1")]
    public void SignedUrl_RobotUrl_AppendsTimestampAndEncodedSignOnce(string url)
    {
        var signer = new DingTalkSigner("SECsecret");
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

        var signed = signer.SignedUrl(new Uri(url), now).AbsoluteUri;

        Assert.StartsWith(url + "&timestamp=1700000000000&sign=", signed, StringComparison.Ordinal);
        var sign = signed[(signed.IndexOf("&sign=", StringComparison.Ordinal) + 6)..];
        Assert.DoesNotContain("+", sign, StringComparison.Ordinal);
        Assert.DoesNotContain("/", sign, StringComparison.Ordinal);
        Assert.Equal(signer.Sign(1_700_000_000_000), Uri.UnescapeDataString(sign));
    }
}
