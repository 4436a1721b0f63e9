// Measures what a store adds to every alert: validating the image (PNG chunk walk with CRC, or SVG parse)
// and the local store's save (hash, exists check, atomic write). Figures go to README.md.
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Storage;
using Promoter.Storage.LocalNginx;

var root = FindRoot();
var chartPng = File.ReadAllBytes(Path.Combine(root, "tests", "testdata", "storage", "chart.png"));
var chartSvg = File.ReadAllBytes(Path.Combine(root, "tests", "testdata", "storage", "chart.svg"));
var bigPng = NoisePng(1024, 768, 0);

Console.WriteLine($"chart.png {chartPng.Length} B, chart.svg {chartSvg.Length} B, noise png {bigPng.Length} B");
Report("validate chart.png", 20_000, _ => ImageContent.Validate(chartPng, "image/png"));
Report("validate chart.svg", 20_000, _ => ImageContent.Validate(chartSvg, "image/svg+xml"));
Report($"validate {bigPng.Length / 1024} KiB png", 300, _ => ImageContent.Validate(bigPng, "image/png"));

var services = new ServiceCollection();
new LocalStoragePlugin().Register(services, new PluginContext("bench", ".", PromoterContract.Version));
var factory = services.BuildServiceProvider().GetRequiredService<IImageStoreFactory>();
var dir = Path.Combine(Path.GetTempPath(), "promoter-bench-" + Guid.NewGuid().ToString("N"));
var settings = new PluginSettings(new SettingsMapping(
    [new("dir", new SettingsScalar(dir, default)), new("public_url", new SettingsScalar("https://images.example.com/i", default))], default),
    "stores.bench", new ConfigDiagnostics());
var store = factory.Create(new StoreSetup
{
    Name = "bench", Settings = settings, HostPublicUrl = new Uri("http://127.0.0.1/"), DataDirectory = dir,
    Services = new ServiceCollection().BuildServiceProvider(),
});

var distinct = Enumerable.Range(1, 2000).Select(i => NoisePng(64, 32, i)).ToArray();
Report("local save, new image (64x32 png)", distinct.Length, i => store.SaveAsync(distinct[i], "image/png", default).GetAwaiter().GetResult());
Report("local save, same image again", 5_000, _ => store.SaveAsync(distinct[0], "image/png", default).GetAwaiter().GetResult());
var charts = Enumerable.Range(10_000, 500).Select(i => NoisePng(120, 60, i)).ToArray();
Report($"local save, new {charts[0].Length / 1024} KiB png", charts.Length, i => store.SaveAsync(charts[i], "image/png", default).GetAwaiter().GetResult());
Directory.Delete(dir, recursive: true);
return;

static void Report(string name, int iterations, Action<int> action)
{
    for (var i = 0; i < Math.Min(50, iterations); i++)
    {
        action(i % iterations);
    }

    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var t = Stopwatch.GetTimestamp();
        action(i);
        samples[i] = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
    }

    Array.Sort(samples);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-40} n={iterations,6}  p50={samples[iterations / 2],9:0.0} µs  p99={samples[(int)(iterations * 0.99)],9:0.0} µs"));
}

static byte[] NoisePng(int width, int height, int seed)
{
    using var output = new MemoryStream();
    output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    var ihdr = new byte[13];
    BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
    BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
    ihdr[8] = 8;
    ihdr[9] = 2;
    Chunk(output, "IHDR", ihdr);
    using (var raw = new MemoryStream())
    {
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            var rng = new Random(seed);
            var row = new byte[1 + (width * 3)];
            for (var y = 0; y < height; y++)
            {
                rng.NextBytes(row.AsSpan(1));
                row[0] = 0;
                z.Write(row);
            }
        }

        Chunk(output, "IDAT", raw.ToArray());
    }

    Chunk(output, "IEND", []);
    return output.ToArray();
}

static void Chunk(Stream output, string type, byte[] data)
{
    var buf = new byte[8 + data.Length];
    BinaryPrimitives.WriteInt32BigEndian(buf, data.Length);
    Encoding.ASCII.GetBytes(type, buf.AsSpan(4));
    data.CopyTo(buf, 8);
    output.Write(buf);
    var crc = 0xFFFFFFFFu;
    foreach (var b in buf.AsSpan(4))
    {
        crc ^= b;
        for (var k = 0; k < 8; k++)
        {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
    }

    var c = new byte[4];
    BinaryPrimitives.WriteUInt32BigEndian(c, ~crc);
    output.Write(c);
}

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Promoter.sln")))
        {
            return d.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the repository");
}
