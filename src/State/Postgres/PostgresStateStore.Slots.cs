namespace Promoter.State.Postgres;

/// <summary>Send slots of rate-limited channels shared by every replica (<see cref="IChannelSlots"/>).</summary>
public sealed partial class PostgresStateStore
{
    public Task<DateTimeOffset> ReserveSlotAsync(string channel, long holder, int messages, TimeSpan per, DateTimeOffset now,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(per, TimeSpan.Zero);
        var nowMs = ToMs(now);
        var perMs = (long)per.TotalMilliseconds;
        return RunAsync("reserve a send slot", async (c, tx, token) =>
        {
            // One reservation at a time per channel, whichever replica asks: a transaction-scoped advisory lock on the
            // channel's name, released by the commit. Other channels are not held up.
            await using (var lockCmd = Command(c, tx, "SELECT pg_advisory_xact_lock(hashtextextended('promoter.slot:' || @channel, 0))"))
            {
                lockCmd.Parameters.AddWithValue("channel", channel);
                await lockCmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            await using (var held = Command(c, tx, """
                SELECT slot_at FROM channel_slots WHERE channel = @channel AND holder = @holder AND slot_at > @from
                """))
            {
                held.Parameters.AddWithValue("channel", channel);
                held.Parameters.AddWithValue("holder", holder);
                held.Parameters.AddWithValue("from", nowMs - perMs);
                if (await held.ExecuteScalarAsync(token).ConfigureAwait(false) is long existing)
                {
                    return FromMs(existing);
                }
            }

            // Slots only ever go to the end of the list, so the list stays sorted by time: the new slot is at least a
            // window after the messages-th latest one, and never before now.
            long slot = nowMs;
            await using (var cmd = Command(c, tx, """
                SELECT slot_at FROM channel_slots
                WHERE channel = @channel AND slot_at > @from
                ORDER BY slot_at DESC
                OFFSET @skip LIMIT 1
                """))
            {
                cmd.Parameters.AddWithValue("channel", channel);
                cmd.Parameters.AddWithValue("from", nowMs - perMs);
                cmd.Parameters.AddWithValue("skip", messages - 1);
                if (await cmd.ExecuteScalarAsync(token).ConfigureAwait(false) is long bound && bound + perMs > slot)
                {
                    slot = bound + perMs;
                }
            }

            await using (var insert = Command(c, tx, """
                DELETE FROM channel_slots WHERE channel = @channel AND slot_at <= @old;
                INSERT INTO channel_slots (channel, slot_at, holder) VALUES (@channel, @slot, @holder);
                """))
            {
                insert.Parameters.AddWithValue("channel", channel);
                insert.Parameters.AddWithValue("old", nowMs - 2 * perMs);
                insert.Parameters.AddWithValue("slot", slot);
                insert.Parameters.AddWithValue("holder", holder);
                await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            return FromMs(slot);
        }, ct);
    }

    public Task<TimeSpan> BeginSendAsync(string channel, long holder, int messages, TimeSpan per, DateTimeOffset now,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(per, TimeSpan.Zero);
        var nowMs = ToMs(now);
        var perMs = (long)per.TotalMilliseconds;
        // 2 % of the window, at most a second: what network and scheduling jitter may add to an arrival (as the
        // in-memory plan does).
        var marginMs = Math.Min(perMs / 50, 1000);
        return RunAsync("begin a send", async (c, tx, token) =>
        {
            await using (var lockCmd = Command(c, tx, "SELECT pg_advisory_xact_lock(hashtextextended('promoter.slot:' || @channel, 0))"))
            {
                lockCmd.Parameters.AddWithValue("channel", channel);
                await lockCmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            var at = nowMs;
            await using (var cmd = Command(c, tx, """
                SELECT sent_at FROM channel_slots
                WHERE channel = @channel AND sent_at IS NOT NULL AND sent_at > @from AND holder <> @holder
                ORDER BY sent_at DESC
                OFFSET @skip LIMIT 1
                """))
            {
                cmd.Parameters.AddWithValue("channel", channel);
                cmd.Parameters.AddWithValue("from", nowMs - perMs - marginMs);
                cmd.Parameters.AddWithValue("holder", holder);
                cmd.Parameters.AddWithValue("skip", messages - 1);
                if (await cmd.ExecuteScalarAsync(token).ConfigureAwait(false) is long bound && bound + perMs + marginMs > at)
                {
                    at = bound + perMs + marginMs;
                }
            }

            await using (var record = Command(c, tx, """
                UPDATE channel_slots SET sent_at = @at WHERE channel = @channel AND holder = @holder;
                INSERT INTO channel_slots (channel, slot_at, holder, sent_at)
                SELECT @channel, @at, @holder, @at
                WHERE NOT EXISTS (SELECT 1 FROM channel_slots WHERE channel = @channel AND holder = @holder);
                """))
            {
                record.Parameters.AddWithValue("channel", channel);
                record.Parameters.AddWithValue("holder", holder);
                record.Parameters.AddWithValue("at", at);
                await record.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            return TimeSpan.FromMilliseconds(at - nowMs);
        }, ct);
    }
}
