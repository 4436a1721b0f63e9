// The measurements behind docs/dependencies.md: each mode compares a package of the design card with what the
// project uses now, in one run, and prints medians, p99s and the ratio between the two. See README.md.
//   s3 [iterations=300]         Minio 7.0.0 vs AWSSDK.S3 against s3rver (tests/tools), PUT + HEAD + presign + GET back
//   metrics [seconds=6]         prometheus-net 8.2.1 vs the host's PrometheusTextExporter: scrape cost, memory, promtool
//   plugins [runs=10]           McMaster.NETCore.Plugins 2.0.0 vs the host's PluginLoadContext: cold load of every plugin
//   reload [cycles=20] [runs=3] the same two, swapping one plugin folder in a running process (load new, unload old)
using System.Diagnostics;
using System.Globalization;

var mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "s3":
        await S3Clients.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300);
        break;
    case "metrics":
        await MetricsExporters.RunAsync(args.Skip(1).ToArray());
        break;
    case "plugins":
        PluginLoaders.Run(args.Skip(1).ToArray());
        break;
    case "reload":
        PluginReloads.Run(args.Skip(1).ToArray());
        break;
    default:
        Console.Error.WriteLine("usage: Promoter.Dependencies.Bench s3 [iterations] | metrics [seconds] | plugins [runs] | reload [cycles] [runs]");
        Environment.Exit(2);
        break;
}

internal static class Bench
{
    public static (double P50, double P99) Stats(List<double> values)
    {
        var v = values.OrderBy(x => x).ToList();
        return (v[v.Count / 2], v[Math.Min(v.Count - 1, (int)Math.Ceiling(v.Count * 0.99) - 1)]);
    }

    public static string Load() => File.ReadAllText("/proc/loadavg").Trim();

    /// <summary>This process's peak resident set size (VmHWM), MiB.</summary>
    public static double PeakMiB() => double.Parse(File.ReadAllLines("/proc/self/status")
        .First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;

    /// <summary>Runs this program again with <paramref name="arguments"/>; returns its standard output.</summary>
    public static string Child(params string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(Bench).Assembly.Location);
        }

        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"child {string.Join(' ', arguments)} failed ({p.ExitCode}):\n{output}\n{err.Result}");
        }

        return output;
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Promoter.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }
}
