using System.Net.Http.Json;
using System.Text;
using Promoter.Testing.Infrastructure;

namespace Promoter.Testing.Host;

/// <summary>
/// Promoter itself as a real child process (the built host with its plugins folder), on a loopback port,
/// with its own data folder. Killing it sends SIGKILL: nothing gets to clean up, as in a crash.
/// </summary>
public sealed class PromoterProcess : IAsyncDisposable
{
    private ChildProcess _process;
    private readonly string? _hostDirectory;

    private PromoterProcess(ChildProcess process, int port, string dataDirectory, string configPath, string? hostDirectory)
    {
        _process = process;
        _hostDirectory = hostDirectory;
        Port = port;
        DataDirectory = dataDirectory;
        ConfigPath = configPath;
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }
    public int ProcessId => _process.Id;
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");
    public string DataDirectory { get; }
    public string ConfigPath { get; }
    public HttpClient Http { get; }
    public string Output => _process.Output;

    /// <summary>The lines the built-in log channel appended (one JSON document each).</summary>
    public IReadOnlyList<string> LoggedNotifications
    {
        get
        {
            var path = Path.Combine(DataDirectory, "notifications.jsonl");
            if (!File.Exists(path))
            {
                return [];
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    /// <summary>Starts Promoter with <paramref name="configYaml"/> (null: the embedded default).</summary>
    public static async Task<PromoterProcess> StartAsync(string? configYaml, string? dataDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? hostDirectory = null)
    {
        var data = dataDirectory ?? TestPaths.NewTempDirectory("promoter-data");
        var configPath = Path.Combine(data, "config.yaml");
        if (configYaml is not null)
        {
            await File.WriteAllTextAsync(configPath, configYaml);
        }

        var port = FreePort.Next();
        var process = Launch(hostDirectory, configYaml is null ? null : configPath, port, data, environment);
        var p = new PromoterProcess(process, port, data, configPath, hostDirectory);
        await p.WaitReadyAsync();
        return p;
    }

    private static ChildProcess Launch(string? hostDirectory, string? configPath, int port, string data,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var host = hostDirectory ?? TestPaths.HostBinDirectory;
        var args = new List<string> { Path.Combine(host, "promoter.dll"), "serve", "--listen", $"127.0.0.1:{port}", "--data", data };
        if (configPath is not null)
        {
            args.AddRange(["--config", configPath]);
        }

        return ChildProcess.Start("dotnet", args, workingDirectory: data, environment: environment);
    }

    private async Task WaitReadyAsync() => await _process.WaitForHttpAsync($"{BaseUrl}-/ready", TimeSpan.FromSeconds(60));

    /// <summary>SIGKILL, then start again from the same host folder on the same port and data folder.</summary>
    public async Task KillAndRestartAsync(IReadOnlyDictionary<string, string?>? environment = null)
    {
        await KillAsync();
        _process = Launch(_hostDirectory, File.Exists(ConfigPath) ? ConfigPath : null, Port, DataDirectory, environment);
        await WaitReadyAsync();
    }

    public Task KillAsync() => _process.KillAsync();

    public Task<HttpResponseMessage> PostWebhookAsync(string receiver, string json, string path = "webhook/{0}") =>
        Http.PostAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, receiver),
            new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Waits until <paramref name="condition"/> holds, failing with Promoter's output after the timeout.</summary>
    public Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        Eventually.HoldsAsync(() => Task.FromResult(condition()), timeout, TimeSpan.FromMilliseconds(100),
            () => $"timed out waiting for {what}. Promoter's output:\n{Output}");

    /// <summary>
    /// Polls <paramref name="path"/> until <paramref name="accept"/> holds for its JSON and returns that document.
    /// A sink seeing a request does not mean Promoter has recorded the outcome yet, so tests that read the
    /// history after a delivery wait for the state they expect instead of reading once.
    /// </summary>
    public Task<System.Text.Json.JsonDocument> WaitForJsonAsync(string path, Func<System.Text.Json.JsonElement, bool> accept, TimeSpan timeout, string what)
    {
        var last = "(no response)";
        return Eventually.GetAsync(async () =>
        {
            last = await Http.GetStringAsync(path);
            var doc = System.Text.Json.JsonDocument.Parse(last);
            if (accept(doc.RootElement))
            {
                return doc;
            }

            doc.Dispose();
            return null;
        }, timeout, TimeSpan.FromMilliseconds(100), () => $"timed out waiting for {what}; {path} last answered:\n{last}\nPromoter's output:\n{Output}");
    }

    public async Task<T?> GetJsonAsync<T>(string path) => await Http.GetFromJsonAsync<T>(path);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }
}
