using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Xunit;

namespace Promoter.Testing.Infrastructure;

/// <summary>
/// A real PostgreSQL server of its own: <c>initdb</c> into a temporary folder, <c>pg_ctl start</c> on a free loopback
/// port (TCP only, no Unix socket), password authentication (scram-sha-256) for the superuser <c>postgres</c>, so that
/// the store's password handling is exercised too. initdb refuses to run as root: as root (CI's container) the
/// server runs as the <c>postgres</c> user the Debian package creates, through <c>runuser</c>. Durability is traded
/// for speed (fsync off) unless asked for: the tests check the protocol and the replicas, not the disk.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime, IAsyncDisposable
{
    private const string InstallHint = "apt-get install -y postgresql (tests/setup.d/postgres.sh)";
    private string? _bin;
    private string? _runAs;
    private bool _running;

    public string Prefix { get; } = TestPaths.NewTempDirectory("promoter-pg");

    public string DataDirectory => Path.Combine(Prefix, "data");

    public int Port { get; } = FreePort.Next();

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>True keeps fsync on (for the benchmark); tests leave it off.</summary>
    public bool Durable { get; init; }

    /// <summary>Starts one outside xunit's fixtures.</summary>
    public static Task<PostgresServer> StartAsync() => StandaloneFixture.StartAsync<PostgresServer>();

    /// <summary>A connection string without the password (as written in <c>state.postgres</c>).</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres";

    /// <summary>A connection string with the password, for the tests' own connections.</summary>
    public string AdminConnectionString(string database = "postgres") =>
        ConnectionString(database) + $";Password={Password};Pooling=false;Timeout=5";

    public async Task InitializeAsync()
    {
        var initdb = FindBinary("initdb");
        _bin = Path.GetDirectoryName(initdb)!;
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            _runAs = "postgres";
            RequiredTool.Find("runuser", "apt-get install -y util-linux");
            // The temp folder is root's and 0700: open it to the postgres user, and give it the data folder.
            File.SetUnixFileMode(Prefix, (UnixFileMode)0x1ED);
            Directory.CreateDirectory(DataDirectory);
            await RunAsync("chown", ["postgres:postgres", DataDirectory], asServer: false);
        }

        var pwfile = Path.Combine(Prefix, "pwfile");
        await File.WriteAllTextAsync(pwfile, Password + "\n");
        if (!OperatingSystem.IsWindows() && _runAs is not null)
        {
            File.SetUnixFileMode(pwfile, (UnixFileMode)0x1A4);
        }

        await RunAsync(initdb, ["-D", DataDirectory, "-U", "postgres", "--pwfile", pwfile, "--auth-host=scram-sha-256",
            "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"]);
        File.Delete(pwfile);
        await StartServerAsync();
    }

    /// <summary>Starts the server (again) on the same port and data.</summary>
    public async Task StartServerAsync()
    {
        var options = string.Join(' ',
            $"-p {Port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''", "-c max_connections=200",
            // fsync off: a commit still reaches the OS at once (synchronous_commit stays on), so it survives the server
            // being killed, which the restart tests do; only a power loss could lose it, and tests have none.
            Durable ? "" : "-c fsync=off -c full_page_writes=off");
        await RunAsync(Path.Combine(_bin!, "pg_ctl"),
            ["-D", DataDirectory, "-l", Path.Combine(DataDirectory, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
        _running = true;
    }

    /// <summary>Stops the server: "fast" closes sessions cleanly, "immediate" is a crash (recovery at the next start).</summary>
    public async Task StopServerAsync(string mode = "fast")
    {
        if (!_running)
        {
            return;
        }

        await RunAsync(Path.Combine(_bin!, "pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "-t", "60", "stop"]);
        _running = false;
    }

    /// <summary>A new empty database (each test gets its own: tables, ids and advisory locks do not mix).</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        await using var c = new NpgsqlConnection(AdminConnectionString());
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", c);
        await cmd.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>
    /// A new empty schema in the <c>postgres</c> database, and a connection string (without password) whose search
    /// path puts the store's tables there: much cheaper than a database per test (no template copy). Advisory locks
    /// are per database, so tests that depend on one being free must use <see cref="CreateDatabaseAsync"/>.
    /// </summary>
    public async Task<string> CreateSchemaAsync(string prefix = "s")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using var c = new NpgsqlConnection(AdminConnectionString());
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE SCHEMA \"{name}\"", c);
        await cmd.ExecuteNonQueryAsync();
        return ConnectionString("postgres") + $";Search Path={name}";
    }

    public string Log => File.Exists(Path.Combine(DataDirectory, "server.log"))
        ? File.ReadAllText(Path.Combine(DataDirectory, "server.log"))
        : "";

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task DisposeAsync()
    {
        try
        {
            if (_running)
            {
                await StopServerAsync("immediate");
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        try
        {
            Directory.Delete(Prefix, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static string FindBinary(string name)
    {
        // Debian installs the server binaries outside PATH, per major version.
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin", name)).Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))),
                    NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .ToArray()
            : [];
        return RequiredTool.Find(name, InstallHint, versions);
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, bool asServer = true)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Prefix,
        };
        if (asServer && _runAs is not null)
        {
            psi.FileName = "runuser";
            foreach (var a in (string[])["-u", _runAs, "--", file])
            {
                psi.ArgumentList.Add(a);
            }
        }
        else
        {
            psi.FileName = file;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await p.WaitForExitAsync(timeout.Token);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}{await stdout}\n{Log}");
        }
    }
}
