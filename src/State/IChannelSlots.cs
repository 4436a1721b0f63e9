namespace Promoter.State;

/// <summary>
/// Send slots of rate-limited channels kept in the state store, so that processes sharing one database (replicas on
/// PostgreSQL) share each channel's limit: the limit is the robot's (DingTalk's 20 messages a minute per robot),
/// not each process's. A store that is used by one process only does not offer it; the host then paces in memory.
/// </summary>
public interface IChannelSlots
{
    /// <summary>
    /// Reserves the earliest send time at or after <paramref name="now"/> for one message to
    /// <paramref name="channel"/> such that no window of <paramref name="per"/> holds more than
    /// <paramref name="messages"/> reserved sends, counting every process's reservations. Asking again for the same
    /// <paramref name="holder"/> (a delivery deferred until its slot) returns the slot it already has.
    /// </summary>
    Task<DateTimeOffset> ReserveSlotAsync(string channel, long holder, int messages, TimeSpan per, DateTimeOffset now,
        CancellationToken ct);

    /// <summary>
    /// The holder is about to send now. Returns how long to wait first so that, counting the moments sends actually
    /// began in every process (a send leaves later than its planned slot on a busy machine), no window of
    /// <paramref name="per"/> holds more than <paramref name="messages"/>; records the send at now plus that wait.
    /// </summary>
    Task<TimeSpan> BeginSendAsync(string channel, long holder, int messages, TimeSpan per, DateTimeOffset now,
        CancellationToken ct);
}
