using Xunit;

namespace Promoter.Testing.Infrastructure;

/// <summary>
/// A real nginx on a loopback port, serving a temporary image folder with deploy/nginx/promoter-images.conf:
/// the example server block is used as shipped, with only its port and folder replaced.
/// </summary>
public sealed class NginxServer : IAsyncLifetime, IAsyncDisposable
{
    private ChildProcess? _process;

    public string Prefix { get; } = TestPaths.NewTempDirectory("promoter-nginx");

    /// <summary>The folder nginx serves (what the store's <c>dir</c> is set to).</summary>
    public string ImageDirectory => Path.Combine(Prefix, "images");

    public int Port { get; } = FreePort.Next();

    /// <summary>The store's <c>public_url</c>.</summary>
    public Uri PublicUrl => new($"http://127.0.0.1:{Port}/saved-images/");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Starts one outside xunit's fixtures (the end-to-end tests own several servers).</summary>
    public static Task<NginxServer> StartAsync() => StandaloneFixture.StartAsync<NginxServer>();

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task InitializeAsync()
    {
        var nginx = RequiredTool.Find("nginx", "apt-get install -y nginx-light");
        Directory.CreateDirectory(ImageDirectory);
        Directory.CreateDirectory(Path.Combine(Prefix, "logs"));

        var example = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "deploy", "nginx", "promoter-images.conf"));
        var server = Replace(example, "listen 80;", $"listen 127.0.0.1:{Port};");
        server = Replace(server, "/var/lib/promoter/images/", ImageDirectory + "/");
        await File.WriteAllTextAsync(Path.Combine(Prefix, "promoter-images.conf"), server);

        // The workers run as an unprivileged user when nginx starts as root; the temp folders are 0700 by
        // default, so open the path to the images for them.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Prefix, (UnixFileMode)0x1ED);
            File.SetUnixFileMode(ImageDirectory, (UnixFileMode)0x1ED);
        }

        var conf = $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{Prefix}}/nginx.pid;
            error_log {{Prefix}}/logs/error.log warn;
            events { worker_connections 256; }
            http {
                access_log {{Prefix}}/logs/access.log;
                client_body_temp_path {{Prefix}}/client_body;
                proxy_temp_path {{Prefix}}/proxy;
                fastcgi_temp_path {{Prefix}}/fastcgi;
                uwsgi_temp_path {{Prefix}}/uwsgi;
                scgi_temp_path {{Prefix}}/scgi;
                include {{Prefix}}/promoter-images.conf;
            }
            """;
        var confPath = Path.Combine(Prefix, "nginx.conf");
        await File.WriteAllTextAsync(confPath, conf);

        _process = ChildProcess.Start(nginx, ["-p", Prefix + "/", "-c", confPath, "-e", Path.Combine(Prefix, "logs", "error.log")]);
        await _process.WaitForPortAsync(Port, TimeSpan.FromSeconds(15));
    }

    public async Task<HttpResponseMessage> GetAsync(string pathAndQuery) =>
        await Http.GetAsync(new Uri($"http://127.0.0.1:{Port}{pathAndQuery}"));

    public string ErrorLog => File.Exists(Path.Combine(Prefix, "logs", "error.log"))
        ? File.ReadAllText(Path.Combine(Prefix, "logs", "error.log"))
        : "";

    private static string Replace(string text, string from, string to)
    {
        if (!text.Contains(from, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"deploy/nginx/promoter-images.conf no longer contains '{from}'; update {nameof(NginxServer)}.");
        }

        return text.Replace(from, to, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        try
        {
            Directory.Delete(Prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
