using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;
using Promoter.Host.Plugins;
using Promoter.Host.Tests.Plugins;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Promoter.Host.Tests.Docs;

/// <summary>
/// The documentation's promises, checked: examples/config.yaml passes check-config with the plugins the host
/// ships, and samples/SamplePlugin builds outside the solution into a folder the host's loader accepts.
/// </summary>
public sealed partial class ExamplesTests
{
    private static readonly string ExampleConfig = Path.Combine(TestPaths.RepositoryRoot, "examples", "config.yaml");

    // The example reads these through ${…}; the test process sets them once (the same values every time).
    private static readonly Dictionary<string, string> ExampleEnvironment = new()
    {
        ["OSS_AK"] = "LTAI5tExampleAccessKey",
        ["OSS_SK"] = "ExampleSecretKeyExampleSecretKey",
    };

    /// <summary>A copy of the example in a temp folder: secret files created, absolute paths moved there, the host's plugins.</summary>
    private static string ExampleCopy(Func<string, string>? edit = null)
    {
        var dir = TestPaths.NewTempDirectory("promoter-example");
        TestPluginBuilds.CopyDirectory(Path.Combine(TestPaths.RepositoryRoot, "examples", "templates"), Path.Combine(dir, "templates"));
        var text = File.ReadAllText(ExampleConfig)
            .Replace("/etc/promoter/", dir + "/", StringComparison.Ordinal)
            .Replace("/var/lib/promoter", Path.Combine(dir, "data"), StringComparison.Ordinal);
        text += $"\nplugins_dir: \"{Path.Combine(TestPaths.HostBinDirectory, "plugins")}\"\n";
        File.WriteAllText(Path.Combine(dir, "config.yaml"), edit is null ? text : edit(text));

        // Values shaped like the real ones: the plugins check the shape (access_token=, SEC…, xoxb-…).
        File.WriteAllText(Path.Combine(dir, "webhook-token"), "example-webhook-token\n");
        File.WriteAllText(Path.Combine(dir, "dingtalk-url"), "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef\n");
        File.WriteAllText(Path.Combine(dir, "dingtalk-secret"), "SEC0123456789abcdef\n");
        File.WriteAllText(Path.Combine(dir, "slack-token"), "xoxb-0000-1111-example\n");
        File.WriteAllText(Path.Combine(dir, "incidents-token"), "example-incidents-token\n");
        foreach (var (name, value) in ExampleEnvironment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        return Path.Combine(dir, "config.yaml");
    }

    [Fact]
    public void CheckConfig_ExampleConfig_IsValid()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(ExampleCopy(), stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("configuration is valid", stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("failed to load", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckConfig_ExampleWithMisspelledPluginKey_ReportsIt()
    {
        // The valid verdict above means something only if the same path catches a plugin-section mistake.
        var path = ExampleCopy(t => t.Replace("presign_expiry: 7d", "presign_expiry: 7d\n    presign_expiri: 7d", StringComparison.Ordinal));
        var stderr = new StringWriter();

        var code = ConfigCommands.CheckConfig(path, new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.Contains("stores.oss.presign_expiri: unknown key 'presign_expiri'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExampleConfig_CustomTemplateIsListed()
    {
        var loaded = ConfigLoader.Load(ExampleCopy(), new ConfigOverrides());

        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics.Errors));
        var glob = Assert.Single(loaded.Settings!.TemplateGlobs);
        Assert.EndsWith(Path.Combine("templates", "*.tmpl"), glob, StringComparison.Ordinal);
        Assert.Contains("define \"dingtalk.default.title\"",
            File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "examples", "templates", "custom.tmpl")), StringComparison.Ordinal);
    }

    public static TheoryData<int, string> ConfigurationDocBlocks()
    {
        var data = new TheoryData<int, string>();
        var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "configuration.md"));
        var i = 0;
        foreach (Match m in YamlBlock().Matches(text))
        {
            data.Add(i++, m.Groups[1].Value);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConfigurationDocBlocks))]
    public void ConfigurationDoc_YamlBlock_Parses(int index, string yaml)
    {
        var stream = new YamlStream();
        var e = Record.Exception(() => stream.Load(new StringReader(yaml)));
        Assert.True(e is null, $"yaml block #{index} of docs/configuration.md does not parse: {e?.Message}\n{yaml}");
    }

    [GeneratedRegex("```yaml\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}

/// <summary>
/// Builds samples/SamplePlugin the way an outside author does, once: from the packed packages only (a copy of the
/// sample outside the repository, restoring from a local feed), into a temp plugins folder.
/// </summary>
public sealed class SamplePluginBuild : IAsyncLifetime
{
    private readonly Sdk.SdkPackages _sdk = new();

    public string PluginsDirectory => Path.Combine(_sdk.Root, "sample-plugins");

    public string PluginDirectory => Path.Combine(PluginsDirectory, "SamplePlugin");

    public async Task InitializeAsync()
    {
        await _sdk.InitializeAsync();
        var source = Path.Combine(_sdk.Root, "sample-source");
        Sdk.SdkPackages.CopyDirectory(Path.Combine(TestPaths.RepositoryRoot, "samples", "SamplePlugin"), source);
        _sdk.WriteNugetConfig(source);
        await Sdk.SdkPackages.RunAsync(source, TimeSpan.FromMinutes(5), "dotnet",
            ["publish", Path.Combine(source, "SamplePlugin.csproj"), "-c", "Debug", "-o", PluginDirectory, "-nologo", "-v", "q", .. _sdk.RestoreProperties]);
    }

    /// <summary>Loads the folder with the host's loader.</summary>
    internal PluginCatalog Load()
    {
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        return services.GetRequiredService<PluginLoader>().Load(PluginsDirectory);
    }

    /// <summary>The plugin's entry type, from one load shared by every test.</summary>
    public Type PluginType => _pluginType.Value;

    private readonly Lazy<Type> _pluginType;

    public SamplePluginBuild() => _pluginType = new(() =>
        Load().Channels["ntfy"].Factory.GetType().Assembly.GetType("Promoter.Sample.Ntfy.NtfyPlugin", throwOnError: true)!);

    public Task DisposeAsync() => _sdk.DisposeAsync();
}

public sealed class SamplePluginTests(SamplePluginBuild build) : IClassFixture<SamplePluginBuild>
{
    [Fact]
    public void Load_SamplePluginBuild_LoadsAndProvidesNtfy()
    {
        var catalog = build.Load();

        var status = Assert.Single(catalog.Plugins);
        Assert.True(status.State == PluginState.Loaded, status.Error);
        Assert.Equal("example.channel.ntfy", status.Id);
        Assert.Contains("channel:ntfy", status.Provides);
        Assert.Contains("templates:1", status.Provides);
        Assert.True(catalog.Channels.ContainsKey("ntfy"));
    }

    [Fact]
    public void Build_SamplePlugin_FolderHasManifestAndNoContractCopy()
    {
        Assert.True(File.Exists(Path.Combine(build.PluginDirectory, "plugin.json")));
        Assert.True(File.Exists(Path.Combine(build.PluginDirectory, "Promoter.Sample.Ntfy.dll")));
        Assert.Empty(Directory.GetFiles(build.PluginDirectory, "Promoter.Abstractions.*"));
    }

    [Fact]
    public void Manifest_SamplePlugin_NamesTheHostContract()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(build.PluginDirectory, "plugin.json")));
        var contract = Version.Parse(doc.RootElement.GetProperty("contract").GetString()!);
        Assert.True(Abstractions.PromoterContract.Supports(contract));
    }
}

/// <summary>
/// The channel conformance kit run against the sample as built and loaded by the host (docs/plugins.md
/// shows third parties how to do the same with their own plugin).
/// </summary>
public sealed class SamplePluginConformanceTests(SamplePluginBuild build) : ChannelConformance, IClassFixture<SamplePluginBuild>
{
    private const string Topic = "alerts_secret_topic_0123";
    private const string Token = "tk_secrettoken0123456789";

    protected override IPromoterPlugin CreatePlugin() => (IPromoterPlugin)Activator.CreateInstance(build.PluginType)!;

    protected override string ChannelType => "ntfy";

    protected override IReadOnlyList<string> Secrets => [Topic, Token];

    protected override SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("url", serverBaseUrl.ToString()),
        ("topic", Topic),
        ("token", Token),
        ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    protected override (string Body, string ContentType) SuccessResponse =>
        ("""{"id":"hwQ2YpKdmg6j","time":1700000000,"event":"message","topic":"alerts"}""", "application/json");

    protected override (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse => null;

    [Fact]
    public async Task Send_FiringGroupWithChart_PostsNtfyJsonWithBearerToken()
    {
        Server.Respond(200, SuccessResponse.Body, SuccessResponse.ContentType);

        var (result, _) = await SendAsync(Server.BaseUrl, AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("hwQ2YpKdmg6j", result.MessageId);
        var request = Assert.Single(Server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("Bearer " + Token, request.Header("Authorization"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(Topic, body.RootElement.GetProperty("topic").GetString());
        Assert.Equal(4, body.RootElement.GetProperty("priority").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("message").GetString()));
        Assert.StartsWith("http", body.RootElement.GetProperty("attach").GetString(), StringComparison.Ordinal);
    }
}
