namespace Promoter.Testing.Infrastructure;

/// <summary>Locates the repository and its test data from a test's output folder.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the folder holding Promoter.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>tests/testdata/ joined with <paramref name="relative"/>.</summary>
    public static string TestData(params string[] relative) =>
        Path.Combine([RepositoryRoot, "tests", "testdata", .. relative]);

    /// <summary>The host's build output, where a plain build copies every plugin (…/plugins/&lt;Name&gt;/).</summary>
    public static string HostBinDirectory
    {
        get
        {
            foreach (var configuration in new[] { BuildConfiguration, "Debug", "Release" })
            {
                var dir = Path.Combine(RepositoryRoot, "src", "Host", "bin", configuration, "net10.0");
                if (File.Exists(Path.Combine(dir, "promoter.dll")))
                {
                    return dir;
                }
            }

            throw new InvalidOperationException("The host is not built: run `dotnet build Promoter.sln` first.");
        }
    }

    /// <summary>A new empty folder under the system temp folder, removed by nothing (tests own it).</summary>
    public static string NewTempDirectory(string prefix = "promoter-test")
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Promoter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Promoter.sln not found above {AppContext.BaseDirectory}.");
    }
}
