using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Host.Cli;
using Promoter.Host.Plugins;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Plugins;

[Collection(TestPluginCollection.Name)]
public sealed class PluginLoaderTests(TestPluginBuilds builds)
{
    private static PluginCatalog Load(string folder)
    {
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        return services.GetRequiredService<PluginLoader>().Load(folder);
    }

    [Fact]
    public void Load_ShippedPluginBuilds_NoFolderContainsAbstractions()
    {
        var plugins = Path.Combine(TestPaths.HostBinDirectory, "plugins");
        var folders = Directory.GetDirectories(plugins);
        Assert.NotEmpty(folders);
        foreach (var folder in folders)
        {
            Assert.True(File.Exists(Path.Combine(folder, "plugin.json")), $"{folder} has no plugin.json");
            Assert.False(File.Exists(Path.Combine(folder, "Promoter.Abstractions.dll")),
                $"{folder} ships its own Promoter.Abstractions.dll; its types would not be the host's");
        }
    }

    [Theory]
    [InlineData("channel:dingtalk")]
    [InlineData("channel:slack")]
    [InlineData("channel:webhook")]
    [InlineData("store:s3")]
    [InlineData("store:local")]
    [InlineData("renderer:prometheus")]
    public void Load_ShippedPluginBuilds_EachLoadsAndProvidesItsType(string provided)
    {
        var catalog = Load(Path.Combine(TestPaths.HostBinDirectory, "plugins"));
        Assert.All(catalog.Plugins, p => Assert.True(p.State == PluginState.Loaded, $"{p.Folder}: {p.Error}"));
        Assert.Contains(catalog.Plugins, p => p.Provides.Contains(provided));
    }

    public static TheoryData<string, Action<string>, string> BrokenPlugins => new()
    {
        { "bad manifest", dir => File.WriteAllText(Path.Combine(dir, "plugin.json"), "{ not json"), "not valid JSON" },
        { "manifest without entry", dir => File.WriteAllText(Path.Combine(dir, "plugin.json"), """{"id":"x","version":"1","contract":"1.0"}"""), "lacks entryAssembly" },
        { "newer contract minor", dir => SetContract(dir, "1.9"), "needs contract 1.9, this host provides 1.0" },
        { "newer contract major", dir => SetContract(dir, "2.0"), "needs contract 2.0" },
        { "missing dependency", dir => File.Delete(Path.Combine(dir, "Newtonsoft.Json.dll")), "Newtonsoft.Json" },
        { "missing entry assembly", dir => File.Delete(Path.Combine(dir, "TestPlugin.MissingDependency.dll")), "entry assembly" },
    };

    [Theory]
    [MemberData(nameof(BrokenPlugins))]
    public void Load_BrokenPlugin_ReportedWithReasonAndOthersLoad(string scenario, Action<string> breakIt, string expectedReason)
    {
        var folder = builds.NewPluginsFolder("MissingDependency", "JsonNew");
        breakIt(Path.Combine(folder, "MissingDependency"));

        var catalog = Load(folder);

        var broken = Assert.Single(catalog.Plugins, p => p.Folder == "MissingDependency");
        Assert.Equal(PluginState.Failed, broken.State);
        Assert.Contains(expectedReason, broken.Error, StringComparison.Ordinal);
        Assert.Empty(broken.Provides);
        var good = Assert.Single(catalog.Plugins, p => p.Folder == "JsonNew");
        Assert.True(good.State == PluginState.Loaded, $"{scenario}: the healthy plugin should still load: {good.Error}");
        Assert.True(catalog.Channels.ContainsKey("json-new"));
        Assert.False(catalog.Channels.ContainsKey("needs-json"));
    }

    [Fact]
    public void Load_RegistrationThrows_ReportedAndOthersLoad()
    {
        var catalog = Load(builds.NewPluginsFolder("Throwing", "JsonOld"));

        var broken = Assert.Single(catalog.Plugins, p => p.Folder == "Throwing");
        Assert.Equal(PluginState.Failed, broken.State);
        Assert.Contains("registration failed", broken.Error, StringComparison.Ordinal);
        Assert.Contains("refuses to register", broken.Error, StringComparison.Ordinal);
        Assert.Equal(PluginState.Loaded, Assert.Single(catalog.Plugins, p => p.Folder == "JsonOld").State);
    }

    [Fact]
    public void Load_SameTypeTwice_SecondReportedAsConflict()
    {
        var folder = builds.NewPluginsFolder("JsonNew");
        TestPluginBuilds.CopyDirectory(Path.Combine(folder, "JsonNew"), Path.Combine(folder, "JsonNewCopy"));

        var catalog = Load(folder);

        var copy = Assert.Single(catalog.Plugins, p => p.Folder == "JsonNewCopy");
        Assert.Equal(PluginState.Failed, copy.State);
        Assert.Contains("already provided", copy.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_TwoPluginsWithDifferentVersionsOfOnePackage_EachRunsWithItsOwn()
    {
        var catalog = Load(builds.NewPluginsFolder("JsonOld", "JsonNew"));

        var oldVersion = await SendThrough(catalog, "json-old");
        var newVersion = await SendThrough(catalog, "json-new");

        Assert.StartsWith("12.0.0.0 ", oldVersion, StringComparison.Ordinal);
        Assert.StartsWith("13.0.0.0 ", newVersion, StringComparison.Ordinal);
        Assert.EndsWith("{\"ok\":true}", oldVersion, StringComparison.Ordinal);
    }

    private static async Task<string> SendThrough(PluginCatalog catalog, string type)
    {
        var reg = catalog.Channels[type];
        var settings = new PluginSettings(new SettingsMapping([], new SourceLocation("test", 1, 1)), "channels.x", new ConfigDiagnostics());
        var channel = reg.Factory.Create(new ChannelSetup { Name = "x", Settings = settings, Templates = null!, Services = reg.Services });
        var result = await channel.SendAsync(new Notification
        {
            DeliveryId = "1",
            Group = new AlertGroup { Receiver = "r", Status = "firing", Alerts = [] },
        }, CancellationToken.None);
        Assert.True(result.IsSuccess);
        return result.MessageId!;
    }

    private static void SetContract(string dir, string contract)
    {
        var path = Path.Combine(dir, "plugin.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"contract\": \"1.0\"", $"\"contract\": \"{contract}\"", StringComparison.Ordinal));
    }
}
