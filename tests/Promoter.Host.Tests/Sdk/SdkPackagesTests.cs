using System.IO.Compression;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions;
using Promoter.Host.Cli;
using Promoter.Host.Plugins;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Sdk;

/// <summary>
/// Packs what a third-party author uses (Promoter.Abstractions, Promoter.Plugins.Sdk, Promoter.Plugins.Testing and the
/// dotnet new templates) into a local feed, once. Restores in these tests are isolated and offline: the nuget.config
/// written next to each project clears every source but the feed, and the machine's package cache is only a fallback
/// folder, so a stale Promoter package from an earlier run can never be picked up and nothing is fetched.
/// </summary>
public sealed class SdkPackages : IAsyncLifetime
{
    public string Root { get; } = TestPaths.NewTempDirectory("promoter-sdk");

    public string Feed => Path.Combine(Root, "feed");

    public string Hive => Path.Combine(Root, "template-hive");

    public string Version => PromoterContract.Version.ToString(2) + ".0";

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string GlobalPackages => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
        ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>MSBuild properties for an isolated restore (see the class summary).</summary>
    public string[] RestoreProperties =>
        [$"-p:RestorePackagesPath={Path.Combine(Root, "packages")}", $"-p:RestoreFallbackFolders={GlobalPackages}"];

    public async Task InitializeAsync()
    {
        foreach (var project in new[]
                 {
                     "src/Abstractions/Promoter.Abstractions.csproj", "src/Plugins.Sdk/Promoter.Plugins.Sdk.csproj",
                     "src/Plugins.Testing/Promoter.Plugins.Testing.csproj", "templates/Promoter.Templates.csproj",
                 })
        {
            // --no-build: the solution build made these outputs; packing them again must not rebuild under the tests.
            await RunAsync(Root, TimeSpan.FromMinutes(3), "dotnet", "pack", Path.Combine(TestPaths.RepositoryRoot, project),
                "-c", Configuration, "--no-build", "-o", Feed, "-nologo", "-v", "q");
        }
    }

    /// <summary>A nuget.config that sees only the local feed.</summary>
    public void WriteNugetConfig(string directory) => File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="promoter-local" value="{Feed}" />
          </packageSources>
        </configuration>
        """);

    public static async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, string command, params string[] args)
    {
        await using var process = ChildProcess.Start(command, args, workingDirectory: workingDirectory,
            environment: new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        var code = await process.WaitForExitAsync(timeout);
        Assert.True(code == 0, $"`{command} {string.Join(' ', args)}` exited with {code}:\n{process.Output}");
        return process.Output;
    }

    public static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>Loads one plugins folder with the host's loader.</summary>
    internal static PluginCatalog Load(string pluginsDirectory)
    {
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        return services.GetRequiredService<PluginLoader>().Load(pluginsDirectory);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp folder is cleaned by the OS later.
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SdkPackagesCollection : ICollectionFixture<SdkPackages>
{
    public const string Name = "sdk packages";
}

[Collection(SdkPackagesCollection.Name)]
public sealed class SdkPackagesTests(SdkPackages sdk)
{
    [Theory]
    [InlineData("Promoter.Abstractions", null)]
    [InlineData("Promoter.Plugins.Sdk", "Promoter.Abstractions")]
    [InlineData("Promoter.Plugins.Testing", "Promoter.Plugins.Sdk")]
    [InlineData("Promoter.Templates", null)]
    public void Pack_Packages_VersionFollowsContractAndDependenciesMatch(string id, string? dependsOn)
    {
        var path = Path.Combine(sdk.Feed, $"{id}.{sdk.Version}.nupkg");
        Assert.True(File.Exists(path), $"{id}.{sdk.Version}.nupkg is not in the feed: {string.Join(", ", Directory.GetFiles(sdk.Feed).Select(Path.GetFileName))}");
        using var zip = ZipFile.OpenRead(path);
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var doc = XDocument.Load(stream);
        XNamespace ns = doc.Root!.GetDefaultNamespace();
        Assert.Equal(sdk.Version, doc.Descendants(ns + "version").First().Value);
        if (dependsOn is not null)
        {
            var dependency = doc.Descendants(ns + "dependency").Single(d => (string?)d.Attribute("id") == dependsOn);
            Assert.Equal(sdk.Version, (string?)dependency.Attribute("version"));
        }
    }

    // The templates' --channel/--store value renames files too (fileRename): the channel's default template
    // Templates/<type>.tmpl is embedded under the name its entry point reads. Without it every generated conformance
    // test failed at set-up.
    [Theory]
    [InlineData("promoter-channel", "Acme.Pager", "--channel", "pager", "channel:pager")]
    [InlineData("promoter-store", "Acme.Dav", "--store", "webdav", "store:webdav")]
    public async Task Template_NewPlugin_PassesConformanceKitFromPackagesAndLoadsInHost(string template, string project, string option, string type, string provides)
    {
        var work = Path.Combine(sdk.Root, template);
        Directory.CreateDirectory(work);
        var hive = Path.Combine(sdk.Root, template + "-hive");
        await SdkPackages.RunAsync(work, TimeSpan.FromMinutes(2), "dotnet", "new", "install",
            Path.Combine(sdk.Feed, $"Promoter.Templates.{sdk.Version}.nupkg"), "--debug:custom-hive", hive);
        await SdkPackages.RunAsync(work, TimeSpan.FromMinutes(2), "dotnet", "new", template, "-n", project,
            option, type, "-o", work, "--debug:custom-hive", hive);
        sdk.WriteNugetConfig(work);

        // The generated test project runs the conformance kit, taken from the Promoter.Plugins.Testing package.
        var test = await SdkPackages.RunAsync(work, TimeSpan.FromMinutes(6), "dotnet",
            ["test", Path.Combine(work, project + ".Tests", project + ".Tests.csproj"), "-nologo", .. sdk.RestoreProperties]);
        Assert.Contains("Passed!", test, StringComparison.Ordinal);

        var plugins = Path.Combine(sdk.Root, template + "-plugins");
        await SdkPackages.RunAsync(work, TimeSpan.FromMinutes(4), "dotnet",
            ["publish", Path.Combine(work, project, project + ".csproj"), "-c", "Release", "-o", Path.Combine(plugins, project), "-nologo", .. sdk.RestoreProperties]);
        var folder = Path.Combine(plugins, project);
        Assert.Empty(Directory.GetFiles(folder, "Promoter.Abstractions.dll"));
        Assert.True(File.Exists(Path.Combine(folder, "Promoter.Plugins.Sdk.dll")), "the SDK ships in the plugin folder");

        var catalog = SdkPackages.Load(plugins);
        var status = Assert.Single(catalog.Plugins);
        Assert.True(status.State == PluginState.Loaded, status.Error);
        Assert.Contains(provides, status.Provides);
    }

    [Fact]
    public async Task Sample_BuiltFromPackagesOutsideRepository_LoadsPassesCheckConfigAndDelivers()
    {
        // The sample copied out of the repository: if it referred to anything in it, this build would fail.
        var source = Path.Combine(sdk.Root, "ntfy-sample");
        SdkPackages.CopyDirectory(Path.Combine(TestPaths.RepositoryRoot, "samples", "SamplePlugin"), source);
        sdk.WriteNugetConfig(source);

        // A Promoter install: the host's build output with its plugins folder, plus the sample.
        var install = Path.Combine(sdk.Root, "promoter");
        SdkPackages.CopyDirectory(TestPaths.HostBinDirectory, install);
        await SdkPackages.RunAsync(source, TimeSpan.FromMinutes(4), "dotnet",
            ["publish", Path.Combine(source, "SamplePlugin.csproj"), "-c", "Release", "-o", Path.Combine(install, "plugins", "Ntfy"), "-nologo", .. sdk.RestoreProperties]);
        Assert.Empty(Directory.GetFiles(Path.Combine(install, "plugins", "Ntfy"), "Promoter.Abstractions.dll"));

        await using var ntfy = await FakeNtfyServer.StartAsync(requiredToken: "tk_sample_token_0123456789");
        var config = $"""
            channels:
              phone: {"{"} type: ntfy, url: "{ntfy.BaseUrl}", topic: alerts_sample_topic, token: tk_sample_token_0123456789, priority: high {"}"}
            receivers:
              - name: ops
                channels: [phone]
            delivery: {"{"} initial_backoff: 100ms, max_backoff: 500ms {"}"}
            """;
        var configPath = Path.Combine(sdk.Root, "ntfy.yaml");
        await File.WriteAllTextAsync(configPath, config);
        var check = await SdkPackages.RunAsync(sdk.Root, TimeSpan.FromMinutes(1), "dotnet", Path.Combine(install, "promoter.dll"), "check-config", configPath);
        Assert.DoesNotContain("tk_sample_token", check, StringComparison.Ordinal);

        await using var promoter = await PromoterProcess.StartAsync(config, hostDirectory: install);
        var response = await promoter.PostWebhookAsync("ops", await File.ReadAllTextAsync(TestPaths.TestData("alertmanager-0.25", "firing-single.json")));
        Assert.True(response.IsSuccessStatusCode, $"webhook answered {(int)response.StatusCode}");
        await promoter.WaitUntilAsync(() => ntfy.Published.Count > 0, TimeSpan.FromSeconds(30),
            $"the ntfy stand-in to receive the alert (refusals: {string.Join("; ", ntfy.Refusals)})");

        var published = ntfy.Published[0];
        Assert.Equal("alerts_sample_topic", published.GetProperty("topic").GetString());
        Assert.Equal(4, published.GetProperty("priority").GetInt32());
        Assert.Contains("FIRING", published.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(ntfy.Refusals);
    }
}
