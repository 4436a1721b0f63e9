using System.Collections.Concurrent;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// Paces messages to one robot under one or more sliding windows at once: DingTalk allows 20 a minute per robot and
/// blocks the robot for 10 minutes beyond that; WeCom allows 20 a minute and answers errcode 45009 beyond that;
/// Feishu allows 100 a minute and 5 a second per bot. A sender reserves the earliest slot every window allows and
/// waits for it (queue rather than drop); when the slot is further away than the caller accepts, it is told how long
/// to wait instead.
/// </summary>
public sealed class RobotPacer
{
    private readonly List<DateTimeOffset> _slots = [];
    private readonly IReadOnlyList<(int Limit, TimeSpan Window)> _limits;
    private readonly TimeSpan _longest;
    private readonly TimeProvider _time;
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

    public RobotPacer(int limit, TimeSpan window, TimeProvider time)
        : this([(limit, window)], time)
    {
    }

    public RobotPacer(IReadOnlyList<(int Limit, TimeSpan Window)> limits, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Count == 0 || limits.Any(l => l.Limit < 1 || l.Window <= TimeSpan.Zero))
        {
            throw new ArgumentException("at least one limit, each of 1 or more messages in a positive window", nameof(limits));
        }

        _limits = limits;
        _longest = limits.Max(l => l.Window);
        _time = time;
    }

    /// <summary>Waits for a slot. Returns null once the message may be sent, or the delay to report
    /// (without reserving) when the slot is more than <paramref name="maxWait"/> away.</summary>
    public async Task<TimeSpan?> WaitForSlotAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        DateTimeOffset slot;
        TimeSpan wait;
        lock (_slots)
        {
            var now = _time.GetUtcNow();
            _slots.RemoveAll(s => s <= now - _longest);
            slot = now < _blockedUntil ? _blockedUntil : now;
            foreach (var (limit, window) in _limits)
            {
                // The slots still counting in this window, oldest first: with `limit` of them, the next may go one
                // window after the limit-th latest, when that one leaves the window.
                var first = _slots.FindIndex(s => s > now - window);
                var counted = first < 0 ? 0 : _slots.Count - first;
                if (counted >= limit && _slots[_slots.Count - limit] + window > slot)
                {
                    slot = _slots[_slots.Count - limit] + window;
                }
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
                while ((wait = slot - _time.GetUtcNow()) > TimeSpan.Zero)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), _time, cancellationToken).ConfigureAwait(false);
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

    public RobotPacer For(Uri robotUrl, int limit) => For(robotUrl, [(limit, TimeSpan.FromMinutes(1))]);

    /// <summary>The pacer of one robot under several windows (the first call for a URL decides its limits).</summary>
    public RobotPacer For(Uri robotUrl, IReadOnlyList<(int Limit, TimeSpan Window)> limits)
    {
        ArgumentNullException.ThrowIfNull(robotUrl);
        return _pacers.GetOrAdd(robotUrl.AbsoluteUri, _ => new RobotPacer(limits, time));
    }
}
