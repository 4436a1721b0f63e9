namespace Promoter.Host.Web;

/// <summary>
/// Tells the open event streams that the history has new rows. It carries no data: each stream reads the rows
/// after its own cursor from the state store, so a stream that was slow, or a client that reconnects with
/// Last-Event-ID, gets exactly the rows it has not seen, in order, and nothing is held in memory per client.
/// A stream takes <see cref="NextAsync"/> before it reads, so a notification that arrives while it reads is
/// not lost.
/// </summary>
internal sealed class HistoryEventSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the first <see cref="Notify"/> after this call.</summary>
    public Task NextAsync() => Volatile.Read(ref _next).Task;

    /// <summary>Called by the intake after a group and its history rows are committed.</summary>
    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
