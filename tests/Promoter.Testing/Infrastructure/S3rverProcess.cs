using System.Globalization;

namespace Promoter.Testing.Infrastructure;

/// <summary>
/// A real S3-protocol server (s3rver from npm, installed into tests/tools by `npm ci --prefix tests/tools`,
/// see tests/setup.d/storage.sh) on a loopback port with one bucket. Its credentials are S3RVER/S3RVER.
/// </summary>
public sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly ChildProcess _process;

    private S3rverProcess(ChildProcess process, int port, string bucket, string directory)
    {
        _process = process;
        Port = port;
        Bucket = bucket;
        Directory = directory;
    }

    public int Port { get; }
    public string Bucket { get; }
    public string Directory { get; }

    /// <summary>The endpoint for path-style requests.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public string Output => _process.Output;

    public static async Task<S3rverProcess> StartAsync(string bucket = "alerts")
    {
        var node = RequiredTool.Find("node", "apt-get install -y nodejs npm");
        var script = Path.Combine(TestPaths.RepositoryRoot, "tests", "tools", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                "This test needs s3rver, which is not installed. Install it with: npm ci --prefix tests/tools (or run ./test.sh).");
        }

        var directory = TestPaths.NewTempDirectory("promoter-s3rver");
        var port = FreePort.Next();
        var process = ChildProcess.Start(node,
        [
            script, "--directory", directory, "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--service-endpoint", "localhost", "--configure-bucket", bucket,
        ]);
        var server = new S3rverProcess(process, port, bucket, directory);
        try
        {
            await process.WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
