using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Minio;
using Minio.DataModel.Args;

/// <summary>
/// Minio 7.0.0 against AWSSDK.S3 (the version Storage.S3 uses, with its settings: path style, no aws-chunked
/// bodies, checksums when required) for what the S3 store does per new image: HEAD (missing), PUT a 60 KiB PNG-sized
/// body, presign a GET; then GET the presigned URL and compare the bytes. Against s3rver from tests/tools, the S3
/// server the tests use: no MinIO server is packaged in Debian or npm here. The two clients alternate, image by
/// image, so load from other processes on the machine falls on both alike.
/// </summary>
internal static class S3Clients
{
    private const string Bucket = "alerts";

    public static async Task RunAsync(int iterations)
    {
        var root = Bench.RepositoryRoot();
        var script = Path.Combine(root, "tests", "tools", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException("s3rver is missing: npm ci --prefix tests/tools");
        }

        var port = FreePort();
        var dir = Directory.CreateTempSubdirectory("promoter-s3rver-").FullName;
        using var server = Process.Start(new ProcessStartInfo("node",
            [script, "--directory", dir, "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--configure-bucket", Bucket, "--silent"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        try
        {
            await WaitForPortAsync(port);
            await MeasureAsync(port, iterations);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task MeasureAsync(int port, int iterations)
    {
        var endpoint = $"http://127.0.0.1:{port}";
        using var aws = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
        });
        using var minio = (MinioClient)new MinioClient().WithEndpoint("127.0.0.1", port).WithCredentials("S3RVER", "S3RVER").WithSSL(false).WithRegion("us-east-1").Build();
        using var http = new HttpClient();

        var body = RandomNumberGenerator.GetBytes(60 * 1024);
        async Task<(double Head, double Put, double Sign, bool Intact)> Aws(string key)
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                await aws.GetObjectMetadataAsync(Bucket, key);
            }
            catch (AmazonS3Exception)
            {
            }

            var t1 = Stopwatch.GetTimestamp();
            using var stream = new MemoryStream(body, writable: false);
            await aws.PutObjectAsync(new PutObjectRequest
            {
                BucketName = Bucket, Key = key, InputStream = stream, ContentType = "image/png", AutoCloseStream = false, UseChunkEncoding = false,
            });
            var t2 = Stopwatch.GetTimestamp();
            var url = await aws.GetPreSignedURLAsync(new GetPreSignedUrlRequest
            {
                BucketName = Bucket, Key = key, Verb = HttpVerb.GET, Expires = DateTime.UtcNow.AddHours(1), Protocol = Protocol.HTTP,
            });
            var t3 = Stopwatch.GetTimestamp();
            var back = await http.GetByteArrayAsync(url);
            return (Ms(t0, t1), Ms(t1, t2), Ms(t2, t3), back.AsSpan().SequenceEqual(body));
        }

        async Task<(double Head, double Put, double Sign, bool Intact)> Min(string key)
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                await minio.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject(key));
            }
            catch (Minio.Exceptions.MinioException)
            {
            }

            var t1 = Stopwatch.GetTimestamp();
            using var stream = new MemoryStream(body, writable: false);
            await minio.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject(key).WithStreamData(stream).WithObjectSize(body.Length).WithContentType("image/png"));
            var t2 = Stopwatch.GetTimestamp();
            var url = await minio.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(Bucket).WithObject(key).WithExpiry(3600));
            var t3 = Stopwatch.GetTimestamp();
            var back = await http.GetByteArrayAsync(url);
            return (Ms(t0, t1), Ms(t1, t2), Ms(t2, t3), back.AsSpan().SequenceEqual(body));
        }

        for (var i = 0; i < 20; i++)
        {
            await Aws($"warm/aws-{i}");
            await Min($"warm/minio-{i}");
        }

        Console.WriteLine($"load before: {Bench.Load()}");
        var results = new Dictionary<string, (List<double> Head, List<double> Put, List<double> Sign, List<double> Total, int Corrupt, long Alloc)>
        {
            ["AWSSDK.S3"] = ([], [], [], [], 0, 0),
            ["Minio"] = ([], [], [], [], 0, 0),
        };
        for (var i = 0; i < iterations; i++)
        {
            foreach (var (name, op) in i % 2 == 0
                ? new[] { ("AWSSDK.S3", (Func<string, Task<(double, double, double, bool)>>)Aws), ("Minio", Min) }
                : [("Minio", Min), ("AWSSDK.S3", Aws)])
            {
                var a0 = GC.GetTotalAllocatedBytes(precise: false);
                var (head, put, sign, intact) = await op($"run/{name}/{i}.png");
                var a1 = GC.GetTotalAllocatedBytes(precise: false);
                var r = results[name];
                r.Head.Add(head);
                r.Put.Add(put);
                r.Sign.Add(sign);
                r.Total.Add(head + put + sign);
                results[name] = r with { Corrupt = r.Corrupt + (intact ? 0 : 1), Alloc = r.Alloc + (a1 - a0) };
            }
        }

        Console.WriteLine($"load after:  {Bench.Load()}");
        foreach (var (name, r) in results)
        {
            Console.WriteLine($"{name,-10} n={iterations}  HEAD p50={Bench.Stats(r.Head).P50:F2} p99={Bench.Stats(r.Head).P99:F2}  " +
                $"PUT 60KiB p50={Bench.Stats(r.Put).P50:F2} p99={Bench.Stats(r.Put).P99:F2}  presign p50={Bench.Stats(r.Sign).P50 * 1000:F0} µs  " +
                $"HEAD+PUT+presign p50={Bench.Stats(r.Total).P50:F2} p99={Bench.Stats(r.Total).P99:F2} ms  allocated/image={r.Alloc / 1024.0 / iterations:F0} KiB  " +
                $"objects read back different: {r.Corrupt}");
        }

        var a = results["AWSSDK.S3"];
        var m = results["Minio"];
        Console.WriteLine($"Minio / AWSSDK.S3 in this run: total p50 ×{Bench.Stats(m.Total).P50 / Bench.Stats(a.Total).P50:F2}, p99 ×{Bench.Stats(m.Total).P99 / Bench.Stats(a.Total).P99:F2}, " +
            $"PUT p50 ×{Bench.Stats(m.Put).P50 / Bench.Stats(a.Put).P50:F2}, allocated ×{m.Alloc / (double)a.Alloc:F2}");
        foreach (var (name, files) in new[] { ("AWSSDK.S3", new[] { "AWSSDK.Core.dll", "AWSSDK.S3.dll" }), ("Minio", new[] { "Minio.dll", "System.Reactive.dll", "CommunityToolkit.HighPerformance.dll" }) })
        {
            var bytes = files.Select(f => Path.Combine(AppContext.BaseDirectory, f)).Where(File.Exists).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"{name,-10} assemblies a plugin folder would carry ({string.Join(", ", files)}): {bytes / 1024.0 / 1024:F1} MiB");
        }
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var c = new System.Net.Sockets.TcpClient();
                await c.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"s3rver did not listen on {port}");
    }
}
