using System.Collections.Concurrent;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// Paces messages to one robot: at most <c>limit</c> per sliding window. DingTalk allows 20 a minute per robot and
/// blocks the robot for 10 minutes beyond that; WeCom allows 20 a minute and answers errcode 45009 beyond that.
/// A sender reserves the next free slot and waits
/// for it (queue rather than drop); when the slot is further away than the caller accepts, it is told how
/// long to wait instead.
/// </summary>
public sealed class RobotPacer(int limit, TimeSpan window, TimeProvider time)
{
    private readonly List<DateTimeOffset> _slots = [];
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

    /// <summary>Waits for a slot. Returns null once the message may be sent, or the delay to report
    /// (without reserving) when the slot is more than <paramref name="maxWait"/> away.</summary>
    public async Task<TimeSpan?> WaitForSlotAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        DateTimeOffset slot;
        TimeSpan wait;
        lock (_slots)
        {
            var now = time.GetUtcNow();
            _slots.RemoveAll(s => s <= now - window);
            slot = _slots.Count < limit ? now : _slots[_slots.Count - limit] + window;
            if (slot < _blockedUntil)
            {
                slot = _blockedUntil;
            }

            wait = slot - now;
            if (wait > maxWait)
            {
                return wait;
            }

            _slots.Add(slot);
            _slots.Sort();
        }

        if (wait > TimeSpan.Zero)
        {
            try
            {
                // Timers count whole milliseconds and may end a fraction early: sending even slightly before
                // the slot could be the 21st message in the service's minute, so wait until the clock has passed it.
                while ((wait = slot - time.GetUtcNow()) > TimeSpan.Zero)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                lock (_slots)
                {
                    _slots.Remove(slot);
                }

                throw;
            }
        }

        return null;
    }

    /// <summary>The service said we are too fast: hold every sender of this robot until <paramref name="until"/>.</summary>
    public void BlockUntil(DateTimeOffset until)
    {
        lock (_slots)
        {
            if (until > _blockedUntil)
            {
                _blockedUntil = until;
            }
        }
    }
}

/// <summary>One pacer per robot URL, shared by every channel instance of the process that posts to it.</summary>
public sealed class RobotPacers(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, RobotPacer> _pacers = new(StringComparer.Ordinal);

    public RobotPacer For(Uri robotUrl, int limit) =>
        _pacers.GetOrAdd(robotUrl.AbsoluteUri, _ => new RobotPacer(limit, TimeSpan.FromMinutes(1), time));
}
