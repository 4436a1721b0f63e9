using System.Collections.Concurrent;

namespace Promoter.Channel.Slack;

/// <summary>
/// Spaces chat.postMessage calls to one Slack channel (Slack allows about one a second per channel, with
/// short bursts, and answers 429 beyond). A sender reserves the next slot and waits for it; a slot further
/// away than the caller accepts is reported instead.
/// </summary>
internal sealed class SlackPacer(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <returns>Null once the caller may post, or how long it would have to wait (nothing reserved).</returns>
    public async Task<TimeSpan?> WaitForSlotAsync(string key, TimeSpan interval, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var lane = _lanes.GetOrAdd(key, _ => new Lane());
        TimeSpan wait;
        lock (lane)
        {
            var now = time.GetUtcNow();
            var slot = lane.Next > now ? lane.Next : now;
            wait = slot - now;
            if (wait > maxWait)
            {
                return wait;
            }

            lane.Next = slot + interval;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private sealed class Lane
    {
        public DateTimeOffset Next { get; set; } = DateTimeOffset.MinValue;
    }
}
