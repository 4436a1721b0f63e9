using System.Diagnostics.Metrics;
using System.Globalization;

namespace Promoter.Host.Metrics;

/// <summary>
/// The process series every Prometheus client library exports (<c>process_*</c>, the names Go's client uses, so
/// existing dashboards and alerts work unchanged) and the .NET runtime's memory figures (<c>dotnet_*</c>), read when
/// /metrics is scraped. On Linux the memory and file-descriptor figures come from procfs; elsewhere from the runtime.
/// </summary>
internal sealed class ProcessMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly double _startTimeSeconds;

    public ProcessMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(PromoterMetrics.MeterName);
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
        {
            _startTimeSeconds = new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        }

        _meter.CreateObservableCounter("process_cpu_seconds_total", () => Environment.CpuUsage.TotalTime.TotalSeconds,
            unit: "s", description: "Total user and system CPU time spent in seconds.");
        _meter.CreateObservableGauge("process_start_time_seconds", () => _startTimeSeconds,
            unit: "s", description: "Start time of the process since unix epoch in seconds.");
        _meter.CreateObservableGauge("process_resident_memory_bytes", () => Status("VmRSS") ?? Environment.WorkingSet,
            unit: "By", description: "Resident memory size in bytes.");
        _meter.CreateObservableGauge("process_resident_memory_peak_bytes", () => Status("VmHWM") ?? Environment.WorkingSet,
            unit: "By", description: "Peak resident memory size in bytes since the process started (VmHWM).");
        _meter.CreateObservableGauge("process_virtual_memory_bytes", () => Status("VmSize") ?? 0,
            unit: "By", description: "Virtual memory size in bytes.");
        _meter.CreateObservableGauge("process_open_fds", OpenFileDescriptors, description: "Number of open file descriptors.");
        _meter.CreateObservableGauge("process_max_fds", MaxFileDescriptors, description: "Maximum number of open file descriptors.");
        _meter.CreateObservableGauge("process_threads", () => Status("Threads", bytes: false) ?? 0,
            description: "Number of OS threads in the process.");

        _meter.CreateObservableGauge("dotnet_gc_heap_size_bytes", () => GC.GetGCMemoryInfo().HeapSizeBytes,
            unit: "By", description: "Managed heap size after the last garbage collection, fragmentation included.");
        _meter.CreateObservableGauge("dotnet_gc_committed_bytes", () => GC.GetGCMemoryInfo().TotalCommittedBytes,
            unit: "By", description: "Memory the garbage collector has committed from the OS.");
        _meter.CreateObservableCounter("dotnet_gc_allocated_bytes_total", () => GC.GetTotalAllocatedBytes(),
            unit: "By", description: "Bytes allocated on the managed heap since the process started.");
        _meter.CreateObservableCounter("dotnet_gc_collections_total", () => new[]
        {
            new Measurement<long>(GC.CollectionCount(0), new KeyValuePair<string, object?>("generation", "gen0")),
            new Measurement<long>(GC.CollectionCount(1), new KeyValuePair<string, object?>("generation", "gen1")),
            new Measurement<long>(GC.CollectionCount(2), new KeyValuePair<string, object?>("generation", "gen2")),
        }, description: "Garbage collections by the oldest generation collected.");
        _meter.CreateObservableGauge("promoter_state_sqlite_memory_bytes", () => SQLitePCL.raw.sqlite3_memory_used(),
            unit: "By", description: "Memory SQLite holds now (page caches and statements of every connection).");
        _meter.CreateObservableGauge("promoter_state_sqlite_memory_peak_bytes", () => SQLitePCL.raw.sqlite3_memory_highwater(0),
            unit: "By", description: "The most memory SQLite has held since the process started.");
        _meter.CreateObservableGauge("dotnet_threadpool_threads", () => ThreadPool.ThreadCount,
            description: "Threads in the .NET thread pool.");
    }

    public void Dispose() => _meter.Dispose();

    /// <summary>
    /// A field of /proc/self/status ("VmRSS:  1234 kB"), in bytes; null where procfs is absent. One scrape observes
    /// several fields, so the file is read once and reused for a moment: fields from one read agree with each other (the
    /// kernel reports VmHWM as at least VmRSS within a read), while two separate reads can show a peak below the current size.
    /// </summary>
    private static long? Status(string field, bool bytes = true)
    {
        var lines = StatusLines();
        foreach (var line in lines)
        {
            if (line.Length > field.Length && line.StartsWith(field, StringComparison.Ordinal) && line[field.Length] == ':')
            {
                var value = line.AsSpan(field.Length + 1).Trim();
                var space = value.IndexOf(' ');
                var number = long.Parse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture);
                return bytes ? number * 1024 : number;
            }
        }

        return null;
    }

    private sealed record StatusRead(long ReadAt, string[] Lines);

    private static StatusRead? s_status;

    private static string[] StatusLines()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var cached = s_status;
        var now = Environment.TickCount64;
        if (cached is not null && now - cached.ReadAt < 1000)
        {
            return cached.Lines;
        }

        try
        {
            var lines = File.ReadAllLines("/proc/self/status");
            s_status = new StatusRead(now, lines);
            return lines;
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static long OpenFileDescriptors()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount() : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long MaxFileDescriptors()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // "Max open files            1048576              1048576              files"
                var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
                var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields is { Length: >= 4 } && long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var soft))
                {
                    return soft;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
