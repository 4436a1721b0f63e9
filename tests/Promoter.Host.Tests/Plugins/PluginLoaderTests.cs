using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Plugins;
using Promoter.Host.Runtime;
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
    [InlineData("channel:teams")]
    [InlineData("channel:telegram")]
    [InlineData("channel:discord")]
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
        { "manifest without entry", dir => File.WriteAllText(Path.Combine(dir, "plugin.json"), """{"id":"x","version":"1","contract":"2.0"}"""), "lacks entryAssembly" },
        { "newer contract minor", dir => SetContract(dir, "2.9"), $"needs contract 2.9, this host provides {Abstractions.PromoterContract.Version.ToString(2)}: upgrade Promoter" },
        { "newer contract major", dir => SetContract(dir, "3.0"), "needs contract 3.0, this host provides 2.0: upgrade Promoter" },
        { "older contract major", dir => SetContract(dir, "1.1"), "needs contract 1.1, this host provides 2.0: contract 2.0 changed or removed types" },
        { "missing dependency", dir => File.Delete(Path.Combine(dir, "Newtonsoft.Json.dll")), "Newtonsoft.Json" },
        { "missing entry assembly", dir => File.Delete(Path.Combine(dir, "TestPlugin.MissingDependency.dll")), "entry assembly" },
    };

    /// <summary>The versioning policy: within a major the contract only grows, so a plugin built against N.m runs on
    /// every host N.m or newer within N; a new major removes or changes types, so older plugins are refused.</summary>
    [Theory]
    [InlineData("2.0", "2.0", null)]
    [InlineData("2.0", "2.1", null)]
    [InlineData("2.1", "2.3", null)]
    [InlineData("2.1", "2.0", "needs contract 2.1, this host provides 2.0: upgrade Promoter, or use a plugin build for contract 2.0 or older within 2.x")]
    [InlineData("2.0", "3.0", "needs contract 2.0, this host provides 3.0: contract 3.0 changed or removed types that contract 2.x plugins use; rebuild the plugin against the Promoter.Abstractions 3.x package")]
    [InlineData("3.0", "2.0", "needs contract 3.0, this host provides 2.0: upgrade Promoter")]
    public void ContractRefusal_PluginAndHostVersions_LoadsWithinMajorAndRefusesAcross(string plugin, string host, string? expected)
    {
        var refusal = PluginLoader.ContractRefusal(Version.Parse(plugin), Version.Parse(host));

        if (expected is null)
        {
            Assert.Null(refusal);
        }
        else
        {
            Assert.NotNull(refusal);
            Assert.StartsWith(expected, refusal, StringComparison.Ordinal);
        }
    }

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

    /// <summary>Loads as <c>promoter serve</c> does; the services stay alive for the plugins loaded later.</summary>
    private static (PluginCatalog Catalog, ServiceProvider Services) LoadDeferred(string folder)
    {
        var services = HostBootstrap.CreateCliServices(LogLevel.None);
        return (services.GetRequiredService<PluginLoader>().Load(folder, null, deferUnused: true), services);
    }

    /// <summary>The shipped plugins loaded the way <c>promoter serve</c> loads them, and a holder for a configuration file.</summary>
    private static async Task<(RuntimeHolder Holder, PluginCatalog Catalog, string ConfigPath, ServiceProvider Services)> ServeLikeAsync(string yaml)
    {
        var dir = TestPaths.NewTempDirectory("promoter-lazy");
        var config = Path.Combine(dir, "config.yaml");
        await File.WriteAllTextAsync(config, yaml);
        var services = HostBootstrap.CreateCliServices(LogLevel.None);
        var catalog = HostBootstrap.LoadPlugins(services,
            new HostSettings { DataDirectory = dir, PluginsDirectory = Path.Combine(TestPaths.HostBinDirectory, "plugins") }, deferUnused: true);
        var holder = new RuntimeHolder(config, new ConfigOverrides(DataDirectory: dir), catalog, TimeProvider.System,
            services.GetRequiredService<PromoterMetrics>(), services.GetRequiredService<ILogger<RuntimeHolder>>());
        return (holder, catalog, config, services);
    }

    private static string ShippedCopy()
    {
        var folder = TestPaths.NewTempDirectory("promoter-plugins");
        TestPluginBuilds.CopyDirectory(Path.Combine(TestPaths.HostBinDirectory, "plugins"), folder);
        return folder;
    }

    [Fact]
    public void Load_ConfigurationUsesSomeTypes_PluginsProvidingOnlyOthersWaitUntilNeeded()
    {
        var (catalog, services) = LoadDeferred(Path.Combine(TestPaths.HostBinDirectory, "plugins"));
        using var owned = services;
        catalog.EnsureLoaded(new HashSet<string>(StringComparer.Ordinal) { "renderer:prometheus", "store:local", "channel:log" });

        var s3 = Assert.Single(catalog.Plugins, p => p.Id == "promoter.storage.s3");
        Assert.Equal(PluginState.Available, s3.State);
        Assert.Equal(["store:s3"], s3.Provides);
        Assert.False(catalog.Stores.ContainsKey("s3"));
        Assert.Equal(PluginState.Available, Assert.Single(catalog.Plugins, p => p.Id == "promoter.channel.webhook").State);
        Assert.True(catalog.Renderers.ContainsKey("prometheus"));
        Assert.True(catalog.Stores.ContainsKey("local"));
        // Plugins adding template definitions load at start (any channel's template may use them); those whose types
        // the first configuration does not use are unloaded again, keeping their templates.
        Assert.False(catalog.Channels.ContainsKey("slack"));
        Assert.False(catalog.Channels.ContainsKey("dingtalk"));
        Assert.Equal(PluginState.Available, Assert.Single(catalog.Plugins, p => p.Id == "promoter.channel.slack").State);
        var templates = catalog.TemplateSources.Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(templates, n => n.Contains("Slack", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(templates, n => n.Contains("DingTalk", StringComparison.OrdinalIgnoreCase));

        catalog.EnsureLoaded(new HashSet<string>(StringComparer.Ordinal) { "store:s3", "channel:slack" });

        Assert.Equal(PluginState.Loaded, Assert.Single(catalog.Plugins, p => p.Id == "promoter.storage.s3").State);
        Assert.True(catalog.Stores.ContainsKey("s3"));
        Assert.False(catalog.Channels.ContainsKey("webhook"));
        // A retired plugin loads again when a configuration uses it, and its templates are not added twice.
        Assert.Equal(PluginState.Loaded, Assert.Single(catalog.Plugins, p => p.Id == "promoter.channel.slack").State);
        Assert.True(catalog.Channels.ContainsKey("slack"));
        Assert.Equal(templates, catalog.TemplateSources.Select(t => t.Name).Order(StringComparer.Ordinal).ToList());
        // Retired only at start: a later configuration without Slack does not unload it (its instances may be draining).
        catalog.EnsureLoaded(new HashSet<string>(StringComparer.Ordinal) { "store:s3" });
        Assert.True(catalog.Channels.ContainsKey("slack"));
    }

    [Theory]
    [InlineData("[\"channel:webhooks\"]", "declares provides [channel:webhooks] but the plugin registers [channel:webhook]")]
    [InlineData("[\"channel:webhook\", \"store:webhook\"]", "but the plugin registers [channel:webhook]")]
    [InlineData("[\"chanel:webhook\"]", "provides entry 'chanel:webhook' is not")]
    [InlineData("[\"channel:Web Hook\"]", "provides entry 'channel:Web Hook' is not")]
    public void Load_ProvidesWrong_FailedSayingWhatToCorrect(string provides, string expected)
    {
        var folder = ShippedCopy();
        var manifest = Path.Combine(folder, "Channel.Webhook", "plugin.json");
        File.WriteAllText(manifest, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(manifest), "\"provides\": \\[[^\\]]*\\]", "\"provides\": " + provides));

        var catalog = Load(folder);

        var webhook = Assert.Single(catalog.Plugins, p => p.Folder == "Channel.Webhook");
        Assert.Equal(PluginState.Failed, webhook.State);
        Assert.Contains(expected, webhook.Error, StringComparison.Ordinal);
        Assert.False(catalog.Channels.ContainsKey("webhook"));
    }

    [Fact]
    public async Task Reload_NewConfigurationUsesAWaitingPlugin_ItIsLoadedThen()
    {
        var (holder, catalog, config, services) = await ServeLikeAsync("channels:\n  l: { type: log }\nreceivers:\n  - name: r\n    channels: [l]\n");
        using var owned = services;
        var exporter = services.GetRequiredService<PrometheusTextExporter>();
        Assert.Empty(await holder.ReloadAsync());
        Assert.Equal(PluginState.Available, Assert.Single(catalog.Plugins, p => p.Id == "promoter.channel.webhook").State);
        var waitingBefore = catalog.Count(PluginState.Available);
        Assert.Contains($"promoter_plugins{{state=\"available\"}} {waitingBefore}\n", exporter.Collect(), StringComparison.Ordinal);

        await File.WriteAllTextAsync(config, "channels:\n  hook: { type: webhook, url: \"http://127.0.0.1:9/x\" }\nreceivers:\n  - name: r\n    channels: [hook]\n");
        var errors = await holder.ReloadAsync();

        Assert.Empty(errors);
        Assert.Equal(PluginState.Loaded, Assert.Single(catalog.Plugins, p => p.Id == "promoter.channel.webhook").State);
        Assert.True(holder.Current.Channels.ContainsKey("hook"));
        Assert.Contains($"promoter_plugins{{state=\"available\"}} {waitingBefore - 1}\n", exporter.Collect(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_UnknownType_SuggestionsIncludeTypesOfPluginsNotLoadedYet()
    {
        var (holder, catalog, _, services) = await ServeLikeAsync(
            "stores:\n  pics: { type: s4 }\nchannels:\n  l: { type: log }\nreceivers:\n  - name: r\n    store: pics\n    channels: [l]\n");
        using var owned = services;

        var error = Assert.Single(await holder.ReloadAsync());

        Assert.Contains("no store plugin handles type 's4'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("use one of: azure_blob, local, s3", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(PluginState.Available, Assert.Single(catalog.Plugins, p => p.Id == "promoter.storage.s3").State);
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
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"contract\": \"2.0\"", $"\"contract\": \"{contract}\"", StringComparison.Ordinal));
    }
}
