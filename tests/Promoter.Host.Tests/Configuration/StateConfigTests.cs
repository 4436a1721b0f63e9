using Promoter.Host.Cli;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Configuration;

/// <summary><c>state:</c> — SQLite or PostgreSQL, the password kept out of the file, and the replicas' image store.</summary>
public sealed class StateConfigTests
{
    private const string Base = """
        channels:
          ops-log: { type: log }
        receivers:
          - name: ops
            channels: [ops-log]

        """;

    [Theory]
    [InlineData("state:\n  postgres: \"Host=db;Database=promoter;Username=promoter;Password=hunter2\"\n",
        "state.postgres: the connection string holds a Password; move it to state.password_file")]
    [InlineData("state:\n  postgres: \"Database=promoter\"\n", "state.postgres: the connection string names no Host")]
    [InlineData("state:\n  postgres: \"Host=db;Username=promoter\"\n", "state.postgres: the connection string names no Database")]
    [InlineData("state:\n  postgres: \"Host=db;Bogus=1\"\n", "state.postgres: not a PostgreSQL connection string")]
    [InlineData("state:\n  sqlite: state.db\n  postgres: \"Host=db;Database=promoter\"\n", "state.postgres: both state.sqlite and state.postgres are set")]
    [InlineData("state:\n  password: x\n", "state.password: state.password is only used with state.postgres")]
    [InlineData("state:\n  postgres: \"Host=db;Database=promoter\"\n  password_file: /nonexistent/pgpassword\n", "state.password_file: cannot read '/nonexistent/pgpassword'")]
    public void CheckConfig_StateMistake_NamedWithItsFixAndNoSecret(string stateLines, string expected)
    {
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(Write(Base + stateLines), new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckConfig_PostgresWithPasswordFile_Valid()
    {
        var dir = TestPaths.NewTempDirectory("promoter-state-config");
        File.WriteAllText(Path.Combine(dir, "pgpassword"), "s3cret\n");
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(Write(Base + $"state:\n  postgres: \"Host=db;Database=promoter;Username=promoter\"\n  password_file: {Path.Combine(dir, "pgpassword")}\n"),
            new StringWriter(), stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.DoesNotContain("warning", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("state:\n  postgres: \"Host=db;Database=promoter\"\n", true)]
    [InlineData("state:\n  postgres: \"Host=db;Database=promoter\"\n  shared_volume: true\n", false)]
    [InlineData("", false)]
    public void CheckConfig_LocalImageStore_WarnedOnlyWhenReplicatedWithoutSharedVolume(string stateLines, bool warned)
    {
        var dir = TestPaths.NewTempDirectory("promoter-state-config");
        var stderr = new StringWriter();

        ConfigCommands.CheckConfig(Write(Base + $"stores:\n  charts: {{ type: local, dir: {dir}, public_url: \"https://img.example/charts/\" }}\n" + stateLines),
            new StringWriter(), stderr);

        var text = stderr.ToString();
        Assert.Equal(warned, text.Contains("warning: stores.charts: a local image store with state on PostgreSQL", StringComparison.Ordinal));
        if (warned)
        {
            Assert.Contains("Use an s3 (or azure_blob) store, or put the folder on a volume every replica mounts", text, StringComparison.Ordinal);
        }
    }

    private static string Write(string yaml)
    {
        var file = Path.Combine(TestPaths.NewTempDirectory("promoter-state-config"), "promoter.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }
}
