using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Promoter.Testing.Infrastructure;

/// <summary>
/// Microsoft's Azure Storage emulator (Azurite's Blob service, npm <c>azurite</c>, installed into tests/tools by
/// `npm ci --prefix tests/tools`) on a loopback port, with its well-known development account. It checks Shared
/// Key signatures and SAS tokens the way the service does, so a wrong key fails here as it fails in Azure.
/// </summary>
public sealed partial class AzuriteServer : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>Azurite's development account (documented with the emulator; not a secret).</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private ChildProcess? _process;

    public string Directory { get; } = TestPaths.NewTempDirectory("promoter-azurite");

    public int Port { get; } = FreePort.Next();

    /// <summary>The Blob service URL of the development account (path-style, as Azurite serves it).</summary>
    public Uri AccountUrl => new($"http://127.0.0.1:{Port}/{AccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={AccountUrl};";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Output => _process?.Output ?? "";

    /// <summary>Starts one outside xunit's fixtures (benchmarks and end-to-end tests).</summary>
    public static Task<AzuriteServer> StartAsync() => StandaloneFixture.StartAsync<AzuriteServer>();

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task InitializeAsync()
    {
        var node = RequiredTool.Find("node", "apt-get install -y nodejs npm");
        var script = Path.Combine(TestPaths.RepositoryRoot, "tests", "tools", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                "This test needs Azurite, which is not installed. Install it with: npm ci --prefix tests/tools (or run ./test.sh).");
        }

        // --disableTelemetry: the emulator would otherwise try to send usage data out of the machine. Blobs are kept
        // in memory (bounded), and the working directory is a fresh folder for anything else it writes.
        _process = ChildProcess.Start(node,
        [
            script, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--extentMemoryLimit", "256", "--disableTelemetry",
        ], workingDirectory: Directory);
        // Node.js loads ~500 modules before it listens: seconds when idle, tens of seconds on a loaded CI machine.
        await _process.WaitForPortAsync(Port, TimeSpan.FromSeconds(90));
    }

    /// <summary>How many Put Blob requests for this blob Azurite answered 201 Created (from its access log).</summary>
    public int CreatedCount(string container, string blobName) =>
        PutLine().Matches(Output).Count(m => m.Groups["path"].Value == $"/{AccountName}/{container}/{blobName}" && m.Groups["status"].Value == "201");

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex("\"PUT (?<path>/[^? ]+)(\\?[^ ]*)? HTTP/[0-9.]+\" (?<status>[0-9]{3})")]
    private static partial Regex PutLine();
}
