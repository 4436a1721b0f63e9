using Microsoft.Extensions.Logging;

namespace Promoter.Storage.LocalNginx;

/// <summary>
/// Runs a store's retention sweep every <c>retention_interval</c> on the store's <see cref="TimeProvider"/>
/// (so tests drive it with a manual clock). The store owns its schedule because the retention period is
/// part of the store's settings; the host can still call <c>DeleteOlderThanAsync</c> itself.
/// </summary>
internal sealed class RetentionSchedule : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly Func<DateTimeOffset, CancellationToken, Task<int>> _sweep;
    private readonly ILogger _logger;
    private readonly string _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _timer;
    private int _running;

    public RetentionSchedule(TimeProvider time, TimeSpan retention, TimeSpan interval,
        Func<DateTimeOffset, CancellationToken, Task<int>> sweep, ILogger logger, string store)
    {
        _time = time;
        _retention = retention;
        _sweep = sweep;
        _logger = logger;
        _store = store;
        _timer = time.CreateTimer(_ => _ = RunAsync(), null, interval, interval);
    }

    /// <summary>The task of the sweep in progress, for tests that wait for a tick's work.</summary>
    public Task LastRun { get; private set; } = Task.CompletedTask;

    private Task RunAsync()
    {
        // A slow disk or bucket must not pile up sweeps: skip a tick while one is still running.
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return Task.CompletedTask;
        }

        var run = RunOnceAsync();
        LastRun = run;
        return run;
    }

    private async Task RunOnceAsync()
    {
        try
        {
            await _sweep(_time.GetUtcNow() - _retention, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LocalStoreLog.SweepFailed(_logger, _store, e.Message);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
