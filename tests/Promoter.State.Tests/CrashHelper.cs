using Promoter.State.Sqlite;

namespace Promoter.State.Tests;

/// <summary>
/// The child process of <see cref="CrashTests"/>: queues groups and completes deliveries as fast as it can,
/// printing each operation only after the store returned, until the test kills it with SIGKILL.
/// </summary>
public static class CrashHelper
{
    public const string Verb = "queue-until-killed";

    public static async Task<int> Main(string[] args)
    {
        if (args is not [Verb, var path])
        {
            await Console.Error.WriteLineAsync($"usage: {Verb} <database>");
            return 2;
        }

        var store = SqliteStateStore.Open(path, TimeProvider.System, null);
        await store.InitializeAsync(CancellationToken.None);
        var t0 = TempStore.T0;
        for (var i = 0; i < 1_000_000; i++)
        {
            var group = Groups.Firing("Crash" + i, "crash-" + i, t0);
            var queued = await store.EnqueueAsync(new NewGroup(group, "{}", ["a", "b"], t0.AddMilliseconds(i),
                DedupeKey.Compute(group), TimeSpan.FromMinutes(5)), CancellationToken.None);
            Console.WriteLine($"queued {i} {queued.GroupId}");

            // Complete one delivery per round, so that the queue holds finished and unfinished work.
            var claimed = await store.ClaimDueAsync(1, t0.AddHours(1), TimeSpan.FromMinutes(5), "helper",
                CancellationToken.None);
            foreach (var c in claimed)
            {
                await store.MarkSucceededAsync(c.DeliveryId, 1, "m" + c.DeliveryId, t0.AddHours(1),
                    CancellationToken.None);
                Console.WriteLine($"succeeded {c.DeliveryId}");
            }
        }

        return 0;
    }
}
