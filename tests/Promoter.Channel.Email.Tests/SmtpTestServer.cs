using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MimeKit;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Email.Tests;

/// <summary>What the SMTP server received: the message as sent, and the envelope.</summary>
internal sealed record ReceivedMail(MimeMessage Message, byte[] Raw, string MailFrom, IReadOnlyList<string> RcptTos, string? Login, bool Tls);

/// <summary>
/// A real SMTP server (aiosmtpd from Debian's python3-aiosmtpd, driven by smtp_server.py) on a free
/// loopback port, with a throwaway certificate for 127.0.0.1/localhost when TLS is on. Stopped on dispose.
/// </summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    public const string InstallHint = "sudo apt-get install -y python3-aiosmtpd (or run tests/setup.d/email.sh)";
    public const string User = "alerts@example.com";
    public const string Password = "smtp-Secret-Passw0rd";

    private static readonly Lazy<string> Python = new(FindPython);
    private static readonly Lazy<(string Cert, string Key)> Certificate = new(CreateCertificate);
    private readonly ChildProcess _process;
    private readonly string _dir;

    private SmtpTestServer(ChildProcess process, int port, string dir)
    {
        _process = process;
        Port = port;
        _dir = dir;
    }

    public int Port { get; }

    /// <summary>The PEM certificate the server presents (self-signed: it is its own CA).</summary>
    public static string CertificatePath => Certificate.Value.Cert;

    /// <param name="tls">none, starttls or implicit.</param>
    /// <param name="auth">Whether AUTH with <see cref="User"/>/<see cref="Password"/> is required.</param>
    /// <param name="replies">Scripted answers, such as ("rcpt", "550 5.1.1 no such user").</param>
    public static async Task<SmtpTestServer> StartAsync(string tls = "none", bool auth = false, params (string Stage, string Reply)[] replies)
    {
        var dir = Directory.CreateTempSubdirectory("promoter-smtp-").FullName;
        var port = FreePort.Next();
        var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "smtp_server.py"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls", tls, "--out", dir };
        if (tls != "none")
        {
            args.AddRange(["--cert", Certificate.Value.Cert, "--key", Certificate.Value.Key]);
        }

        if (auth)
        {
            args.AddRange(["--auth", $"{User}:{Password}"]);
        }

        foreach (var (stage, reply) in replies)
        {
            args.AddRange(["--reply", $"{stage}={reply}"]);
        }

        var process = ChildProcess.Start(Python.Value, args);
        try
        {
            // Python's start (aiosmtpd, ssl) can take many seconds on a machine busy with a parallel test run; the wait
            // ends as soon as the port answers.
            await process.WaitForPortAsync(port, TimeSpan.FromSeconds(60));
        }
        catch
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException($"the SMTP server did not start: {output}");
        }

        return new SmtpTestServer(process, port, dir);
    }

    /// <summary>The messages received so far, in order.</summary>
    public IReadOnlyList<ReceivedMail> Received()
    {
        var list = new List<ReceivedMail>();
        for (var n = 1; File.Exists(Path.Combine(_dir, $"{n}.json")); n++)
        {
            var raw = File.ReadAllBytes(Path.Combine(_dir, $"{n}.eml"));
            using var env = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, $"{n}.json")));
            var root = env.RootElement;
            list.Add(new ReceivedMail(MimeMessage.Load(new MemoryStream(raw)), raw, root.GetProperty("mail_from").GetString()!,
                root.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()!).ToList(),
                root.GetProperty("login").GetString(), root.GetProperty("tls").GetBoolean()));
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindPython()
    {
        // Debian's interpreter first: python3-aiosmtpd installs into its dist-packages, which another python3
        // on the PATH (pyenv, a venv) does not see.
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(candidate, ["-c", "import aiosmtpd"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                });
                if (p is not null && p.WaitForExit(20_000) && p.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }

        throw new InvalidOperationException($"no python3 with the aiosmtpd module was found; install it with: {InstallHint}");
    }

    private static (string Cert, string Key) CreateCertificate()
    {
        var dir = Directory.CreateTempSubdirectory("promoter-smtp-cert-").FullName;
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
