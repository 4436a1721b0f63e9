using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Storage.AzureBlob.Tests;

/// <summary>
/// The plugin as the host loads it: from its folder under the host's plugins/, in its own load context with
/// Azure.Core, Azure.Storage.* and System.ClientModel beside it, never the host's. A chart drawn by the real
/// host from a real Prometheus is stored in Azurite through the plugin and fetched through its SAS link.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobPluginInHostTests(AzuriteServer azurite, PrometheusServer prometheus) : IClassFixture<PrometheusServer>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static string PluginFolder => Path.Combine(TestPaths.HostBinDirectory, "plugins", "Storage.AzureBlob");

    [Fact]
    public void PluginFolder_HoldsItsDependenciesButNotTheContract()
    {
        foreach (var dependency in new[] { "Azure.Storage.Blobs.dll", "Azure.Storage.Common.dll", "Azure.Core.dll", "System.ClientModel.dll", "plugin.json" })
        {
            Assert.True(File.Exists(Path.Combine(PluginFolder, dependency)), $"{PluginFolder} lacks {dependency}");
        }

        Assert.False(File.Exists(Path.Combine(PluginFolder, "Promoter.Abstractions.dll")));
        Assert.Empty(Directory.GetFiles(PluginFolder, "Microsoft.Extensions.*.dll")); // the host's own, shared
    }

    [Fact]
    public async Task RenderApi_AzureBlobStoreInTheRealHost_ChartStoredAndServedThroughItsSasLink()
    {
        var data = TestPaths.NewTempDirectory("promoter-data");
        await File.WriteAllTextAsync(Path.Combine(data, "azure-key"), AzuriteServer.AccountKey);
        var config = $$"""
            renderers:
              prom: { type: prometheus, url: "{{prometheus.Url}}" }
            stores:
              az: { type: azure_blob, account_url: "{{azurite.AccountUrl}}", account_key_file: "{{Path.Combine(data, "azure-key")}}",
                    container: host-charts, sas_expiry: 1h, retention: 30d }
            channels:
              log: { type: log }
            receivers:
              - name: ops
                renderer: prom
                store: az
                channels: [log]
            """;
        await using var promoter = await PromoterProcess.StartAsync(config, data);

        using var stored = await promoter.Http.PostAsJsonAsync("api/v1/render", new { query = "up", store = "az" });
        var plugins = await promoter.Http.GetStringAsync("api/v1/plugins");

        Assert.True(stored.StatusCode == HttpStatusCode.OK, await stored.Content.ReadAsStringAsync() + "\n" + promoter.Output);
        using var doc = JsonDocument.Parse(await stored.Content.ReadAsStringAsync());
        var url = new Uri(doc.RootElement.GetProperty("url").GetString()!);
        Assert.StartsWith($"{azurite.AccountUrl}/host-charts/promoter/", url.ToString(), StringComparison.Ordinal);
        Assert.Contains("sig=", url.Query, StringComparison.Ordinal);
        using var image = await azurite.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PngSignature, (await image.Content.ReadAsByteArrayAsync())[..8]);
        Assert.Contains("store:azure_blob", plugins, StringComparison.Ordinal);
        Assert.DoesNotContain("\"failed\"", plugins, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteServer.AccountKey, promoter.Output, StringComparison.Ordinal);
    }
}
