using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus.Tests;

public sealed class RasterThreadsTests
{
    [Fact]
    public async Task RunAsync_Work_RunsOnARasterThreadAndReturnsItsResult()
    {
        var name = await RasterThreads.Shared.RunAsync(() => Thread.CurrentThread.Name, CancellationToken.None);

        Assert.StartsWith("promoter-raster-", name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ManyAtOnce_NeverMoreThreadsThanTheSetHas()
    {
        var running = 0;
        var most = 0;
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => RasterThreads.Shared.RunAsync(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.Sleep(2);
            Interlocked.Decrement(ref running);
            return 0;
        }, CancellationToken.None)));

        Assert.InRange(most, 1, RasterThreads.Shared.ThreadCount);
        Assert.InRange(threads.Count, 1, RasterThreads.Shared.ThreadCount);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_ExceptionReachesTheCallerAndThreadsKeepWorking()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            RasterThreads.Shared.RunAsync<int>(() => throw new InvalidOperationException("librsvg could not render"), CancellationToken.None));

        Assert.Equal("librsvg could not render", e.Message);
        Assert.Equal(42, await RasterThreads.Shared.RunAsync(() => 42, CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_CancelledBeforeItsTurn_NeverRuns()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var ran = false;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RasterThreads.Shared.RunAsync(() => ran = true, cts.Token));

        Assert.False(ran);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
