using System.Collections.Concurrent;

namespace Promoter.Channel.Slack;

/// <summary>
/// Spaces chat.postMessage calls to one Slack channel (Slack allows about one a second per channel and
/// answers 429 beyond). Posts to a channel go one at a time, each at least the interval after the previous
/// one was answered, so that network jitter cannot make two arrive closer than Slack accepts. A sender that
/// would wait longer than it accepts is told how long instead (and nothing is reserved).
/// </summary>
internal sealed class SlackPacer(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <returns>A lease to dispose once the post was answered, or the estimated wait when over <paramref name="maxWait"/>.</returns>
    public async Task<(IDisposable? Lease, TimeSpan Wait)> WaitForSlotAsync(string key, TimeSpan interval, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var lane = _lanes.GetOrAdd(key, _ => new Lane());
        lock (lane)
        {
            var now = time.GetUtcNow();
            var estimate = (lane.Next > now ? lane.Next - now : TimeSpan.Zero) + (interval * lane.Waiting);
            if (estimate > maxWait)
            {
                return (null, estimate);
            }

            lane.Waiting++;
        }

        var started = time.GetTimestamp();
        try
        {
            await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (lane)
            {
                lane.Waiting--;
            }
        }

        try
        {
            // Timers count whole milliseconds and may end a fraction early; Slack measures the gap on its side,
            // so wait until the clock has really passed the slot.
            TimeSpan wait;
            while ((wait = lane.Next - time.GetUtcNow()) > TimeSpan.Zero)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            lane.Gate.Release();
            throw;
        }

        return (new Lease(lane, interval, time), time.GetElapsedTime(started));
    }

    private sealed class Lane
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public DateTimeOffset Next { get; set; } = DateTimeOffset.MinValue;
        public int Waiting { get; set; }
    }

    private sealed class Lease(Lane lane, TimeSpan interval, TimeProvider time) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lane.Next = time.GetUtcNow() + interval;
                lane.Gate.Release();
            }
        }
    }
}
