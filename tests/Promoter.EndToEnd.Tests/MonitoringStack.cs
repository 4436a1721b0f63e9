using System.Globalization;
using Promoter.Testing.Infrastructure;

namespace Promoter.EndToEnd.Tests;

/// <summary>A real Prometheus (Debian's prometheus) on a loopback port with the e2e scrape config and rules.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private PrometheusServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string HostAndPort => $"127.0.0.1:{Port}";
    public string Output => _process.Output;

    public static async Task<PrometheusServer> StartAsync(string alertmanager, string target, int port)
    {
        var binary = RequiredTool.Find("prometheus", "apt-get install -y prometheus");
        var dir = TestPaths.NewTempDirectory("promoter-e2e-prometheus");
        var config = (await File.ReadAllTextAsync(TestPaths.TestData("e2e", "prometheus.yml")))
            .Replace("__ALERTMANAGER__", alertmanager, StringComparison.Ordinal)
            .Replace("__TARGET__", target, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), config);
        File.Copy(TestPaths.TestData("e2e", "rules.yml"), Path.Combine(dir, "rules.yml"));

        var process = ChildProcess.Start(binary,
        [
            "--config.file=" + Path.Combine(dir, "prometheus.yml"),
            "--storage.tsdb.path=" + Path.Combine(dir, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            // Resolved alerts go out at once anyway; firing ones are re-sent every second instead of every minute.
            "--rules.alert.resend-delay=1s",
        ], dir);
        var server = new PrometheusServer(process, port);
        try
        {
            await process.WaitForHttpAsync($"http://127.0.0.1:{port}/-/ready", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, clustering off, with the e2e
/// routing: receivers team-a and team-b posting to Promoter with a bearer token.
/// </summary>
internal sealed class AlertmanagerServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private AlertmanagerServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string HostAndPort => $"127.0.0.1:{Port}";
    public string Output => _process.Output;

    public static async Task<AlertmanagerServer> StartAsync(string promoter, string token)
    {
        var binary = RequiredTool.Find("prometheus-alertmanager", "apt-get install -y prometheus-alertmanager");
        var dir = TestPaths.NewTempDirectory("promoter-e2e-alertmanager");
        var config = (await File.ReadAllTextAsync(TestPaths.TestData("e2e", "alertmanager.yml")))
            .Replace("__PROMOTER__", promoter, StringComparison.Ordinal)
            .Replace("__TOKEN__", token, StringComparison.Ordinal);
        var path = Path.Combine(dir, "alertmanager.yml");
        await File.WriteAllTextAsync(path, config);

        var port = FreePort.Next();
        var process = ChildProcess.Start(binary,
        [
            "--config.file=" + path,
            "--storage.path=" + Path.Combine(dir, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--cluster.listen-address=",
        ], dir);
        var server = new AlertmanagerServer(process, port);
        try
        {
            await process.WaitForHttpAsync($"http://127.0.0.1:{port}/-/ready", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
