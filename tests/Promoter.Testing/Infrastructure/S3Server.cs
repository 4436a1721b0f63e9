using System.Text.RegularExpressions;
using Xunit;

namespace Promoter.Testing.Infrastructure;

/// <summary>
/// A real S3-protocol server (s3rver from npm, installed into tests/tools by `npm ci --prefix tests/tools`)
/// on a loopback port, with the bucket <see cref="Bucket"/>. Its credentials are S3RVER/S3RVER.
/// </summary>
public sealed partial class S3Server : IAsyncLifetime, IAsyncDisposable
{
    public const string Bucket = "alerts";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private ChildProcess? _process;

    public string Directory { get; } = TestPaths.NewTempDirectory("promoter-s3rver");

    public int Port { get; } = FreePort.Next();

    /// <summary>The endpoint for path-style requests.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// An endpoint whose virtual-hosted form (<c>alerts.s3.localhost</c>) s3rver understands: it is started
    /// with <c>--service-endpoint localhost</c>, and names under .localhost resolve to loopback (RFC 6761).
    /// </summary>
    public Uri VirtualHostEndpoint => new($"http://s3.localhost:{Port}");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Starts one outside xunit's fixtures (the end-to-end tests own several servers).</summary>
    public static Task<S3Server> StartAsync() => StandaloneFixture.StartAsync<S3Server>();

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task InitializeAsync()
    {
        var node = RequiredTool.Find("node", "apt-get install -y nodejs npm");
        var script = Path.Combine(TestPaths.RepositoryRoot, "tests", "tools", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                "This test needs s3rver, which is not installed. Install it with: npm ci --prefix tests/tools (or run ./test.sh).");
        }

        _process = ChildProcess.Start(node,
        [
            script, "--directory", Directory, "--address", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--service-endpoint", "localhost", "--configure-bucket", Bucket,
        ]);
        await _process.WaitForPortAsync(Port, TimeSpan.FromSeconds(30));
    }

    /// <summary>How many times s3rver stored an object with this key (it logs every PUT it keeps).</summary>
    public int StoredCount(string key) =>
        StoredLine().Matches(_process?.Output ?? "").Count(m => m.Groups["key"].Value == key);

    public string Output => _process?.Output ?? "";

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

    [GeneratedRegex("Stored object \"(?<key>[^\"]+)\" in bucket")]
    private static partial Regex StoredLine();
}
