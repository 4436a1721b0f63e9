using System.Text;

namespace Promoter.State.Sqlite;

/// <summary>Events for complete exports: labels and annotations passed on as the stored JSON (<see cref="IAlertEventRows"/>).</summary>
public sealed partial class SqliteStateStore : IAlertEventRows
{
    public Task<long?> ReadEventRowsAsync(AlertEventQuery query, Action<AlertEventRow> row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(row);
        if (query.Status is not (null or "firing" or "resolved"))
        {
            throw new ArgumentException(
                $"Unknown alert status \"{query.Status}\": use \"firing\" or \"resolved\", or leave it out.",
                nameof(query));
        }

        var limit = Math.Clamp(query.Limit, 1, MaxQueryLimit);
        return ReadAsync<long?>("read event rows", c =>
        {
            using var cmd = EventsCommand(c, query, limit); // the same query and repeat probe as ReadEventsAsync
            using var r = cmd.ExecuteReader();
            var count = 0;
            long last = 0;
            while (r.Read())
            {
                if (count == limit)
                {
                    return last;
                }

                var status = r.GetString(4);
                var startsAt = r.GetString(7);
                last = r.GetInt64(0);
                row(new AlertEventRow(
                    Id: last,
                    Fingerprint: r.GetString(1),
                    AlertName: r.GetString(2),
                    Receiver: r.GetString(3),
                    Status: status,
                    LabelsJson: r.GetString(5),
                    AnnotationsJson: r.GetString(6),
                    StartsAt: ParseTime(startsAt),
                    EndsAt: r.IsDBNull(8) ? null : ParseTime(r.GetString(8)),
                    ReceivedAt: FromMs(r.GetInt64(9)),
                    GroupId: r.GetInt64(10),
                    Repeat: !r.IsDBNull(11) && r.GetString(11) == status + " " + startsAt));
                count++;
            }

            return null;
        }, ct);
    }
}
