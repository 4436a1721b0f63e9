using System.Text.Json;
using Xunit;

namespace Promoter.Testing.Infrastructure;

/// <summary>
/// A real Prometheus (Debian package prometheus) on a free loopback port, scraping itself every second and
/// evaluating the rules in tests/testdata/renderer/prometheus-rules.yml every second. Shared by a test class
/// (as an xunit class fixture).
/// </summary>
public sealed class PrometheusServer : IAsyncLifetime
{
    private ChildProcess? _process;

    public int Port { get; private set; }
    public string Url => $"http://127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        var binary = RequiredTool.Find("prometheus", "apt-get install prometheus");
        var dir = TestPaths.NewTempDirectory("promoter-prometheus");
        Port = FreePort.Next();
        File.Copy(TestPaths.TestData("renderer", "prometheus-rules.yml"), Path.Combine(dir, "rules.yml"));
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [rules.yml]
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ["127.0.0.1:{Port}"]
            """);
        _process = ChildProcess.Start(binary,
        [
            "--config.file=prometheus.yml",
            "--storage.tsdb.path=data",
            $"--web.listen-address=127.0.0.1:{Port}",
            "--web.enable-lifecycle",
        ], dir);
        await _process.WaitForHttpAsync($"{Url}/-/ready", TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until the named alert fires and returns its Prometheus alert object.</summary>
    public async Task<JsonElement> WaitForFiringAsync(string alertName, TimeSpan timeout)
    {
        using var http = new HttpClient();
        var alert = await Eventually.GetAsync<object>(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{Url}/api/v1/alerts")));
            return doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == alertName
                            && a.GetProperty("state").GetString() == "firing")
                .Select(a => (object)a.Clone()).FirstOrDefault();
        }, timeout, TimeSpan.FromMilliseconds(250), () => $"alert {alertName} did not fire within {timeout}:\n{_process?.Output}");
        return (JsonElement)alert;
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
