using System.Collections.Concurrent;

namespace Promoter.Renderer.Prometheus.Raster;

/// <summary>
/// Runs every rasterisation on a few long-lived threads, one per two cores (at least one, at most four). librsvg,
/// pango, cairo and zlib allocate through the C library's malloc, and glibc gives each thread that allocates an
/// arena of its own and keeps freed memory in it. Rasterising on whichever thread-pool thread happened to run the
/// request spread that memory over up to 8 × cores arenas; on a fixed set of threads it stays in as many arenas as
/// there are threads (bench/EndToEnd measures the difference in peak RSS). Each thread also has its own pango font
/// map, so its own FreeType faces and glyph caches, and its own cairo surface. On two cores, one thread instead of
/// two peaked 3–4 MiB lower in bench/Storm's 1,000-group storm and in bench/EndToEnd's burst, which it drained at
/// 86 instead of 95 one-chart groups a second (one run each, same build): the other core serves the Prometheus
/// queries, the webhooks and the database.
/// </summary>
internal sealed class RasterThreads
{
    private static readonly Lazy<RasterThreads> SharedInstance = new(() => new RasterThreads(Math.Clamp(Environment.ProcessorCount / 2, 1, 4)));

    private readonly BlockingCollection<Action> _work = [];

    private RasterThreads(int count)
    {
        ThreadCount = count;
        for (var i = 0; i < count; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"promoter-raster-{i}" }.Start();
        }
    }

    /// <summary>The process's raster threads, started on first use and kept for the life of the process.</summary>
    public static RasterThreads Shared => SharedInstance.Value;

    public int ThreadCount { get; }

    /// <summary>Queues <paramref name="work"/>; a request cancelled before its turn is dropped without running.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                done.TrySetResult(work());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }, CancellationToken.None);
        return done.Task;
    }

    private void Work()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }
    }
}
