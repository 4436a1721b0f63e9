using Promoter.Testing.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Promoter.EndToEnd.Tests;

/// <summary>
/// What can be validated of deploy/ without Docker or Kubernetes: the example Alertmanager configuration with
/// amtool, and the ConfigMap's config.yaml with the published `promoter check-config`, its secret files taken
/// from the Secret manifest (so the *_file names and the Secret's keys must agree).
/// </summary>
public sealed class DeploymentFilesTests
{
    private static string Deploy(params string[] relative) => Path.Combine([TestPaths.RepositoryRoot, "deploy", .. relative]);

    [Fact]
    public async Task AlertmanagerExample_AmtoolCheckConfig_Succeeds()
    {
        var amtool = RequiredTool.Find("amtool", "apt-get install -y prometheus-alertmanager");
        await using var check = ChildProcess.Start(amtool, ["check-config", Deploy("alertmanager", "alertmanager.yml")]);
        var exit = await check.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"amtool check-config failed:\n{check.Output}");
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertmanagerExample_EveryReceiver_PostsToPromoterWithBearerAuth()
    {
        var root = LoadYaml(Deploy("alertmanager", "alertmanager.yml"));
        var receivers = (YamlSequenceNode)root["receivers"];
        Assert.True(receivers.Children.Count >= 3, "the example should show several receivers");
        var configMapReceivers = PromoterReceiverNames();
        foreach (YamlMappingNode receiver in receivers.Children.Cast<YamlMappingNode>())
        {
            var name = ((YamlScalarNode)receiver["name"]).Value!;
            var webhook = (YamlMappingNode)((YamlSequenceNode)receiver["webhook_configs"]).Children[0];
            Assert.EndsWith($"/webhook/{name}", ((YamlScalarNode)webhook["url"]).Value, StringComparison.Ordinal);
            var auth = (YamlMappingNode)((YamlMappingNode)webhook["http_config"])["authorization"];
            Assert.Equal("Bearer", ((YamlScalarNode)auth["type"]).Value);
            Assert.Contains(name, configMapReceivers);
        }

        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("kubernetes")]
    [InlineData("kubernetes-replicas")]
    public async Task KubernetesConfigMap_PromoterCheckConfig_Succeeds(string variant)
    {
        var published = await PublishedPromoter.GetFolderAsync();
        var dir = TestPaths.NewTempDirectory("promoter-configmap");
        var secrets = Path.Combine(dir, "secrets");
        Directory.CreateDirectory(secrets);
        foreach (var (key, value) in SecretStringData(variant))
        {
            await File.WriteAllTextAsync(Path.Combine(secrets, key), value);
        }

        var config = ConfigMapConfig(variant).Replace("/etc/promoter/secrets/", secrets + "/", StringComparison.Ordinal)
            .Replace("/var/lib/promoter", Path.Combine(dir, "data"), StringComparison.Ordinal);
        var path = Path.Combine(dir, "config.yaml");
        await File.WriteAllTextAsync(path, config);

        await using var check = ChildProcess.Start("dotnet", [Path.Combine(published, "promoter.dll"), "check-config", path], dir);
        var exit = await check.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"promoter check-config rejected deploy/{variant}/configmap.yaml:\n{check.Output}");
        Assert.DoesNotContain("a local image store with state on PostgreSQL", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesDeployment_ProbesAndMounts_MatchTheImageAndConfig()
    {
        var deployment = File.ReadAllText(Deploy("kubernetes", "deployment.yaml"));
        Assert.Contains("path: /-/healthy", deployment, StringComparison.Ordinal);
        Assert.Contains("path: /-/ready", deployment, StringComparison.Ordinal);
        Assert.Contains("mountPath: /etc/promoter/secrets", deployment, StringComparison.Ordinal);
        Assert.Contains("mountPath: /var/lib/promoter", deployment, StringComparison.Ordinal);
        Assert.Contains("claimName: promoter-data", deployment, StringComparison.Ordinal);
        Assert.Contains("/etc/promoter/config/config.yaml", deployment, StringComparison.Ordinal);

        var dockerfile = File.ReadAllText(Deploy("Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile, StringComparison.Ordinal);
        Assert.Contains("/-/healthy", dockerfile, StringComparison.Ordinal);
        Assert.Contains("VOLUME /var/lib/promoter", dockerfile, StringComparison.Ordinal);
        Assert.Contains("USER 10001", dockerfile, StringComparison.Ordinal);
        Assert.Contains("runAsUser: 10001", deployment, StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesReplicas_ThreeReplicasOnPostgresWithBudgetAndReadiness()
    {
        var deployment = File.ReadAllText(Deploy("kubernetes-replicas", "deployment.yaml"));
        Assert.Contains("replicas: 3", deployment, StringComparison.Ordinal);
        Assert.Contains("path: /-/ready", deployment, StringComparison.Ordinal);
        Assert.DoesNotContain("persistentVolumeClaim", deployment, StringComparison.Ordinal);
        Assert.Contains("minAvailable: 2", File.ReadAllText(Deploy("kubernetes-replicas", "pdb.yaml")), StringComparison.Ordinal);
        var config = ConfigMapConfig("kubernetes-replicas");
        Assert.Contains("postgres: \"Host=promoter-postgres.monitoring.svc", config, StringComparison.Ordinal);
        Assert.Contains("type: s3", config, StringComparison.Ordinal);
        var kustomization = File.ReadAllText(Deploy("kubernetes-replicas", "kustomization.yaml"));
        foreach (var file in new[] { "configmap.yaml", "secret.yaml", "postgres.yaml", "deployment.yaml", "pdb.yaml", "service.yaml" })
        {
            Assert.Contains(file, kustomization, StringComparison.Ordinal);
            Assert.True(File.Exists(Deploy("kubernetes-replicas", file)), file);
        }
    }

    private static string ConfigMapConfig(string variant = "kubernetes")
    {
        var root = LoadYaml(Deploy(variant, "configmap.yaml"));
        return ((YamlScalarNode)((YamlMappingNode)root["data"])["config.yaml"]).Value!;
    }

    private static IEnumerable<(string Key, string Value)> SecretStringData(string variant = "kubernetes")
    {
        var root = LoadYaml(Deploy(variant, "secret.yaml"));
        return ((YamlMappingNode)root["stringData"]).Children
            .Select(p => (((YamlScalarNode)p.Key).Value!, ((YamlScalarNode)p.Value).Value!));
    }

    private static HashSet<string> PromoterReceiverNames()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(ConfigMapConfig()));
        var receivers = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["receivers"];
        return receivers.Children.Cast<YamlMappingNode>().Select(r => ((YamlScalarNode)r["name"]).Value!).ToHashSet(StringComparer.Ordinal);
    }

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
