using Promoter.Abstractions.Configuration;
using Promoter.Host.Configuration;

namespace Promoter.Host.Tests.Configuration;

public sealed class YamlSettingsReaderTests
{
    private static readonly Dictionary<string, string> Env = new() { ["TOKEN"] = "s3cr3t", ["EMPTY"] = "" };

    private static (SettingsMapping? Root, ConfigDiagnostics Diagnostics) Read(string yaml)
    {
        var d = new ConfigDiagnostics();
        return (YamlSettingsReader.Read(yaml, "test.yaml", d, n => Env.TryGetValue(n, out var v) ? v : null), d);
    }

    [Theory]
    [InlineData("a: ${TOKEN}", "s3cr3t")]
    [InlineData("a: \"Bearer ${TOKEN}!\"", "Bearer s3cr3t!")]
    [InlineData("a: $${TOKEN}", "${TOKEN}")]
    [InlineData("a: ${EMPTY}x", "x")]
    [InlineData("a: '{{ $labels.x }}'", "{{ $labels.x }}")]
    public void Read_EnvironmentReference_Expanded(string yaml, string expected)
    {
        var (root, d) = Read(yaml);

        Assert.False(d.HasErrors, string.Join("\n", d.Errors));
        Assert.Equal(expected, ((SettingsScalar)root!["a"]!).Value);
    }

    [Fact]
    public void Read_UndefinedVariable_ErrorNamesItAndLine()
    {
        var (_, d) = Read("x: 1\na: ${NOPE}");

        var e = Assert.Single(d.Errors);
        Assert.Equal(2, e.Location.Line);
        Assert.Equal("a", e.Path);
        Assert.Contains("environment variable NOPE is not set", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExpandedValueWithYamlSyntax_StaysOneScalar()
    {
        Env["INJECT"] = "x\nb: injected";
        var (root, d) = Read("a: ${INJECT}");

        Assert.False(d.HasErrors);
        Assert.Single(root!.Entries);
        Assert.Equal("x\nb: injected", ((SettingsScalar)root["a"]!).Value);
    }

    [Theory]
    [InlineData("a: [1, 2", 2)]
    [InlineData("a: 1\na: 2", 2)]
    [InlineData("a:\n  b: 1\n c: 2", 3)]
    public void Read_InvalidYaml_OneErrorWithLine(string yaml, int line)
    {
        var (root, d) = Read(yaml);

        Assert.Null(root);
        var e = Assert.Single(d.Errors);
        Assert.StartsWith("invalid YAML", e.Message, StringComparison.Ordinal);
        Assert.Equal(line, e.Location.Line);
    }

    [Theory]
    [InlineData("a: ~")]
    [InlineData("a:")]
    [InlineData("a: null")]
    public void Read_NullForms_NullScalar(string yaml)
    {
        var (root, _) = Read(yaml);

        Assert.Null(((SettingsScalar)root!["a"]!).Value);
    }
}
