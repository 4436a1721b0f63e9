using System.Collections.Concurrent;

namespace Promoter.Channel.Feishu;

/// <summary>
/// Paces messages to one bot under several sliding windows at once (Feishu: 100 a minute and 5 a second per bot).
/// A sender reserves the earliest slot every window allows and waits for it (queue rather than drop); when the slot
/// is further away than the caller accepts, it is told how long to wait instead.
/// </summary>
internal sealed class BotPacer(IReadOnlyList<(int Limit, TimeSpan Window)> limits, TimeProvider time)
{
    private readonly List<DateTimeOffset> _slots = [];
    private readonly TimeSpan _longest = limits.Max(l => l.Window);
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
            _slots.RemoveAll(s => s <= now - _longest);
            slot = now < _blockedUntil ? _blockedUntil : now;
            // Move the slot later until no window holds `limit` slots within (slot - window, slot].
            for (var changed = true; changed;)
            {
                changed = false;
                foreach (var (limit, window) in limits)
                {
                    var inWindow = _slots.Where(s => s > slot - window && s <= slot + window).OrderBy(s => s).ToList();
                    var before = inWindow.Where(s => s <= slot).ToList();
                    if (before.Count >= limit)
                    {
                        var next = before[before.Count - limit] + window;
                        if (next > slot)
                        {
                            slot = next;
                            changed = true;
                        }
                    }
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
                // Timers count whole milliseconds and may end a fraction early: wait until the clock has passed the slot.
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

    /// <summary>The service said we are too fast: hold every sender of this bot until <paramref name="until"/>.</summary>
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

/// <summary>One pacer per bot URL, shared by every channel instance of the process that posts to it.</summary>
internal sealed class BotPacers(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, BotPacer> _pacers = new(StringComparer.Ordinal);

    // Feishu counts a message when it arrives, and arrivals jitter by the network's latency: a message sent exactly
    // one window after the one it replaces can arrive inside that window (the fake Feishu caught it at 5 a second).
    // The windows are therefore padded: 1.2 s and 61 s.
    private static readonly TimeSpan Second = TimeSpan.FromMilliseconds(1200);
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(61);

    public BotPacer For(Uri botUrl, int perMinute, int perSecond) =>
        _pacers.GetOrAdd(botUrl.AbsoluteUri, _ => new BotPacer([(perMinute, Minute), (perSecond, Second)], time));
}
