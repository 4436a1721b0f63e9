using Promoter.Abstractions.Configuration;

namespace Promoter.Abstractions.Tests;

public sealed class PluginSettingsTests
{
    private static (PluginSettings Settings, ConfigDiagnostics Diagnostics) Make(params (string Key, string? Value)[] pairs)
    {
        var loc = new SourceLocation("c.yaml", 1, 1);
        var map = new SettingsMapping(pairs.Select(p => new KeyValuePair<string, SettingsNode>(p.Key, new SettingsScalar(p.Value, loc))).ToList(), loc);
        var d = new ConfigDiagnostics();
        return (new PluginSettings(map, "channels.x", d, path => path == "/secret" ? " from-file\n" : throw new FileNotFoundException($"Could not find file '{path}'.")), d);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData("500ms", 500)]
    [InlineData("1w", 604_800_000)]
    [InlineData("0", 0)]
    public void DurationSyntax_Valid_Parses(string text, long ms)
    {
        Assert.True(DurationSyntax.TryParse(text, out var v));
        Assert.Equal(ms, (long)v.TotalMilliseconds);
    }

    [Theory]
    [InlineData("1 hour")]
    [InlineData("30")]
    [InlineData("1m1h")]
    [InlineData("-5s")]
    [InlineData("1.5h")]
    [InlineData("")]
    public void DurationSyntax_Invalid_Rejected(string text) => Assert.False(DurationSyntax.TryParse(text, out _));

    [Theory]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(0, "0s")]
    [InlineData(1_500, "1s500ms")]
    public void DurationSyntax_Format_Shortest(long ms, string expected) =>
        Assert.Equal(expected, DurationSyntax.Format(TimeSpan.FromMilliseconds(ms)));

    [Fact]
    public void GetSecret_FromFile_TrimmedAndRecordedForRedaction()
    {
        var (s, d) = Make(("token_file", "/secret"));

        Assert.Equal("from-file", s.GetSecret("token"));
        Assert.False(d.HasErrors);
        Assert.Contains("from-file", s.Secrets);
    }

    [Fact]
    public void GetSecret_BothInlineAndFile_Error()
    {
        var (s, d) = Make(("token", "abc"), ("token_file", "/secret"));

        Assert.Null(s.GetSecret("token"));
        Assert.Contains(d.Errors, e => e.Path == "channels.x.token_file" && e.Message.Contains("both", StringComparison.Ordinal));
    }

    [Fact]
    public void GetSecret_UnreadableFile_ErrorNamesFileNotContent()
    {
        var (s, d) = Make(("token_file", "/missing"));

        Assert.Null(s.GetSecret("token"));
        var e = Assert.Single(d.Errors);
        Assert.Contains("/missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportUnknownKeys_Typo_SuggestsClosestKnownKey()
    {
        var (s, d) = Make(("url", "http://x"), ("secert", "y"));
        s.GetUrl("url");
        s.GetSecret("secret");

        s.ReportUnknownKeys();

        var e = Assert.Single(d.Errors);
        Assert.Equal("channels.x.secert", e.Path);
        Assert.Equal("did you mean 'secret'?", e.Fix);
    }

    [Theory]
    [InlineData("abc", "is not a whole number")]
    [InlineData("99999", "out of range")]
    public void GetInt_Invalid_ErrorAndDefault(string value, string message)
    {
        var (s, d) = Make(("n", value));

        Assert.Equal(5, s.GetInt("n", 5, 1, 100));
        Assert.Contains(message, Assert.Single(d.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetSecretUrl_Invalid_ErrorDoesNotEchoValue()
    {
        var (s, d) = Make(("url", "not a url access_token=abc123"));

        Assert.Null(s.GetSecretUrl("url"));
        Assert.DoesNotContain("abc123", Assert.Single(d.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RequireString_Missing_ErrorWithFix()
    {
        var (s, d) = Make();

        Assert.Null(s.RequireString("url", "write url: https://…"));
        var e = Assert.Single(d.Errors);
        Assert.Equal("channels.x.url", e.Path);
        Assert.Equal("write url: https://…", e.Fix);
    }
}
