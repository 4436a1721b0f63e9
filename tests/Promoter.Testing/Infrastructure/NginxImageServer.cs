namespace Promoter.Testing.Infrastructure;

/// <summary>
/// A real nginx on a loopback port serving a temporary image folder with deploy/nginx/promoter-images.conf
/// as shipped, only its port and folder replaced: what a `type: local` store with a public_url sits behind.
/// </summary>
public sealed class NginxImageServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private NginxImageServer(ChildProcess process, string prefix, int port)
    {
        _process = process;
        Prefix = prefix;
        Port = port;
    }

    public string Prefix { get; }
    public int Port { get; }

    /// <summary>The folder nginx serves (the store's <c>dir</c>).</summary>
    public string ImageDirectory => Path.Combine(Prefix, "images");

    /// <summary>The store's <c>public_url</c>.</summary>
    public Uri PublicUrl => new($"http://127.0.0.1:{Port}/saved-images/");

    public string ErrorLog => File.Exists(Path.Combine(Prefix, "logs", "error.log"))
        ? File.ReadAllText(Path.Combine(Prefix, "logs", "error.log"))
        : "";

    public static async Task<NginxImageServer> StartAsync()
    {
        var nginx = RequiredTool.Find("nginx", "apt-get install -y nginx-light");
        var prefix = TestPaths.NewTempDirectory("promoter-nginx");
        var images = Path.Combine(prefix, "images");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        var port = FreePort.Next();

        var example = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "deploy", "nginx", "promoter-images.conf"));
        var server = Replace(example, "listen 80;", $"listen 127.0.0.1:{port};");
        server = Replace(server, "/var/lib/promoter/images/", images + "/");
        await File.WriteAllTextAsync(Path.Combine(prefix, "promoter-images.conf"), server);

        // nginx's workers run unprivileged when it starts as root, and temp folders are 0700: open the path.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(prefix, (UnixFileMode)0x1ED);
            File.SetUnixFileMode(images, (UnixFileMode)0x1ED);
        }

        var conf = $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 256; }
            http {
                access_log {{prefix}}/logs/access.log;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                include {{prefix}}/promoter-images.conf;
            }
            """;
        var confPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(confPath, conf);

        var process = ChildProcess.Start(nginx, ["-p", prefix + "/", "-c", confPath, "-e", Path.Combine(prefix, "logs", "error.log")]);
        var result = new NginxImageServer(process, prefix, port);
        try
        {
            await process.WaitForPortAsync(port, TimeSpan.FromSeconds(15));
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }

        return result;
    }

    private static string Replace(string text, string from, string to)
    {
        if (!text.Contains(from, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"deploy/nginx/promoter-images.conf no longer contains '{from}'; update {nameof(NginxImageServer)}.");
        }

        return text.Replace(from, to, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(Prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
