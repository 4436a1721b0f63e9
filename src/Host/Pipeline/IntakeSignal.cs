namespace Promoter.Host.Pipeline;

/// <summary>
/// Wakes the dispatcher when new work is queued, so that a delivery does not wait for the next poll.
/// The dispatcher takes <see cref="NextAsync"/> <em>before</em> it looks for work; a notification that
/// arrives while it looks completes that task, so no signal is lost between "found nothing" and "wait".
/// (A semaphore is the wrong tool here: a timed-out wait abandoned by Task.WhenAny stays queued and
/// swallows the next release.)
/// </summary>
internal sealed class IntakeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the first <see cref="Notify"/> after this call.</summary>
    public Task NextAsync() => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
