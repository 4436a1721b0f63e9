using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Plugins;

/// <summary>Builds the deliberately broken and version-conflicting plugins in tests/testdata/plugins once.</summary>
public sealed class TestPluginBuilds : IAsyncLifetime
{
    public string OutputDirectory { get; } = TestPaths.NewTempDirectory("promoter-test-plugins");

    public async Task InitializeAsync()
    {
        await using var build = ChildProcess.Start("dotnet",
            ["build", TestPaths.TestData("plugins", "build-all.proj"), $"-p:PluginsOut={OutputDirectory}/", "-nologo", "-v", "q"]);
        var code = await build.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"building the test plugins failed:\n{build.Output}");
    }

    /// <summary>A fresh plugins folder holding copies of the named test plugin builds.</summary>
    public string NewPluginsFolder(params string[] plugins)
    {
        var root = TestPaths.NewTempDirectory("promoter-plugins");
        foreach (var p in plugins)
        {
            CopyDirectory(Path.Combine(OutputDirectory, p), Path.Combine(root, p));
        }

        return root;
    }

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class TestPluginCollection : ICollectionFixture<TestPluginBuilds>
{
    public const string Name = "test plugin builds";
}
