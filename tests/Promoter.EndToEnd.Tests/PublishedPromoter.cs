using Promoter.Testing.Infrastructure;

namespace Promoter.EndToEnd.Tests;

/// <summary>
/// `dotnet publish src/Host` once per test run into a temporary folder: the executable and plugins folder a
/// user deploys, rather than the build output the unit tests use.
/// </summary>
internal static class PublishedPromoter
{
    private static readonly Lazy<Task<string>> Folder = new(PublishAsync);

    /// <summary>The published folder (with promoter.dll and plugins/).</summary>
    public static Task<string> GetFolderAsync() => Folder.Value;

    private static async Task<string> PublishAsync()
    {
        var output = TestPaths.NewTempDirectory("promoter-published");
        var project = Path.Combine(TestPaths.RepositoryRoot, "src", "Host", "Promoter.Host.csproj");
        // The test host runs under MSBuild's environment; a nested dotnet must find its own SDK instead.
        var environment = new Dictionary<string, string?>
        {
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
            ["MSBuildLoadMicrosoftTargetsReadOnly"] = null,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        await using var publish = ChildProcess.Start("dotnet",
            ["publish", project, "-c", "Debug", "-o", output, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"],
            TestPaths.RepositoryRoot, environment);
        var exit = await publish.WaitForExitAsync(TimeSpan.FromMinutes(5));
        if (exit != 0 || !File.Exists(Path.Combine(output, "promoter.dll")))
        {
            throw new InvalidOperationException($"dotnet publish src/Host failed with exit code {exit}:\n{publish.Output}");
        }

        if (!Directory.Exists(Path.Combine(output, "plugins")))
        {
            throw new InvalidOperationException($"dotnet publish src/Host produced no plugins folder in {output}:\n{publish.Output}");
        }

        return output;
    }
}
