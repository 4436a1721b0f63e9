namespace Promoter.Testing.Infrastructure;

/// <summary>
/// The one polling loop of the test kit: try, and if the answer is not there yet, wait a little and try again until
/// the timeout, then fail with a message built at that moment (so it can carry the processes' latest output).
/// Processes and other services answer asynchronously; a test that reads once races them.
/// </summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="attempt"/> until it returns a value, and returns that value.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> attempt, TimeSpan timeout, TimeSpan interval, Func<string> timedOut)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(timedOut);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await attempt() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(timedOut());
            }

            await Task.Delay(interval);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, Func<string> timedOut)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return GetAsync<object>(async () => await condition() ? true : null, timeout, interval, timedOut);
    }
}
