using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Feishu.Tests;

public sealed class FeishuSignerTests
{
    [Theory]
    [InlineData("abc123", "1700000000")]
    [InlineData("qu3Vx8kL2mP9rT4wZ7yB1nC6", "1763000123")]
    public async Task Sign_KnownInputs_MatchesOpenSslHmacOverAnEmptyMessage(string secret, string timestamp)
    {
        // The oracle: openssl computes HMAC-SHA256(key = "timestamp\nsecret", message = empty) independently.
        var openssl = RequiredTool.Find("openssl", "apt-get install -y openssl");
        var tmp = Path.Combine(TestPaths.NewTempDirectory(), "empty");
        await File.WriteAllBytesAsync(tmp, []);
        await using var process = ChildProcess.Start(openssl, ["dgst", "-sha256", "-hmac", timestamp + "\n" + secret, "-binary", "-out", tmp + ".mac", tmp]);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var expected = Convert.ToBase64String(await File.ReadAllBytesAsync(tmp + ".mac"));

        Assert.Equal(expected, new FeishuSigner(secret).Sign(timestamp));
    }

    [Fact]
    public void Sign_Now_TimestampInSeconds()
    {
        var (ts, _) = new FeishuSigner("s").Sign(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_999));

        Assert.Equal("1700000000", ts);
    }
}
