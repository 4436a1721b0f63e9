using System.Collections.Concurrent;
using Promoter.Abstractions.Channels;

namespace Promoter.Host.Pipeline;

/// <summary>
/// The host's view of each rate-limited channel's send slots (<see cref="IChannel.RateLimit"/>). A delivery whose
/// slot is not now is put back in the outbox until its slot (reserved, so the channel's deliveries keep their order)
/// instead of holding a worker while it waits: a robot at its limit must never make other channels' messages wait
/// for a free worker. The channel's own pacer still guards the service's limit; this one only plans.
/// </summary>
internal sealed class ChannelPacing
{
    private readonly ConcurrentDictionary<string, SlotSchedule> _channels = new(StringComparer.Ordinal);

    public SlotSchedule For(string channel, ChannelRateLimit limit)
    {
        var schedule = _channels.GetOrAdd(channel, _ => new SlotSchedule(limit));
        if (schedule.Limit != limit)
        {
            // A reload changed the limit: start a new plan (deliveries still deferred come back and take new slots).
            _channels[channel] = schedule = new SlotSchedule(limit);
        }

        return schedule;
    }
}

/// <summary>
/// Send slots of one channel: at most <see cref="ChannelRateLimit.Messages"/> in any window of
/// <see cref="ChannelRateLimit.Per"/>, as the sliding windows of DingTalk, WeCom and Feishu count them. Slots are
/// only ever appended after the last one, so reserved deliveries go out in the order they reserved.
/// </summary>
internal sealed class SlotSchedule(ChannelRateLimit limit)
{
    private readonly List<DateTimeOffset> _slots = [];
    private readonly Dictionary<long, DateTimeOffset> _reserved = [];

    public ChannelRateLimit Limit { get; } = limit;

    /// <summary>2 % of the window, at most a second: what network and scheduling jitter may add to a send's arrival.</summary>
    private TimeSpan Margin => Limit.Per / 50 < TimeSpan.FromSeconds(1) ? Limit.Per / 50 : TimeSpan.FromSeconds(1);

    /// <summary>Set when a delivery found no slot within its receiver's digest_after: the next send is a digest.</summary>
    public bool Overflowing { get; set; }

    /// <summary>The delivery's reserved slot, if it has one.</summary>
    public DateTimeOffset? ReservationOf(long deliveryId)
    {
        lock (_slots)
        {
            return _reserved.TryGetValue(deliveryId, out var slot) ? slot : null;
        }
    }

    /// <summary>The next free slot at or after <paramref name="now"/>, without reserving it.</summary>
    public DateTimeOffset Next(DateTimeOffset now)
    {
        lock (_slots)
        {
            return NextLocked(now);
        }
    }

    /// <summary>Reserves the next free slot for a delivery (or returns the one it has).</summary>
    public DateTimeOffset Reserve(long deliveryId, DateTimeOffset now)
    {
        lock (_slots)
        {
            if (_reserved.TryGetValue(deliveryId, out var held))
            {
                return held;
            }

            var slot = NextLocked(now);
            _slots.Add(slot); // the last slot or later: the list stays sorted
            _reserved[deliveryId] = slot;
            return slot;
        }
    }

    /// <summary>
    /// The delivery is about to be sent at <paramref name="now"/>: its slot moves to the real send time (the service
    /// counts arrivals, and a send starts a little after its planned slot), no earlier than the window allows given
    /// the sends before it. Returns how long to wait before sending: zero unless the plan ran early.
    /// </summary>
    public TimeSpan BeginSend(long deliveryId, DateTimeOffset now)
    {
        lock (_slots)
        {
            if (_reserved.Remove(deliveryId, out var planned))
            {
                _slots.Remove(planned);
            }

            var at = now;
            var before = _slots.Where(x => x <= at).ToList();
            if (before.Count >= Limit.Messages)
            {
                // A little margin: the service counts arrivals, and a send can reach it later than it left here.
                var bound = before[before.Count - Limit.Messages] + Limit.Per + Margin;
                if (bound > at)
                {
                    at = bound;
                }
            }

            var index = _slots.BinarySearch(at);
            _slots.Insert(index < 0 ? ~index : index, at);
            return at - now;
        }
    }

    /// <summary>Gives a reserved slot back (its delivery went out inside a digest, or was finished otherwise).</summary>
    public void Release(long deliveryId)
    {
        lock (_slots)
        {
            if (_reserved.Remove(deliveryId, out var slot))
            {
                _slots.Remove(slot);
            }
        }
    }

    /// <summary>The earliest reserved slot still ahead, if any.</summary>
    public DateTimeOffset? EarliestReservation()
    {
        lock (_slots)
        {
            return _reserved.Count == 0 ? null : _reserved.Values.Min();
        }
    }

    private DateTimeOffset NextLocked(DateTimeOffset now)
    {
        _slots.RemoveAll(s => s <= now - Limit.Per - Limit.Per && !_reserved.ContainsValue(s));
        var slot = now;
        if (_slots.Count > 0 && _slots[^1] > slot)
        {
            slot = _slots[^1];
        }

        // The slot M places back must have left the window: x[n-M+1] + Per.
        if (_slots.Count >= Limit.Messages)
        {
            var bound = _slots[_slots.Count - Limit.Messages] + Limit.Per;
            if (bound > slot)
            {
                slot = bound;
            }
        }

        return slot;
    }
}
