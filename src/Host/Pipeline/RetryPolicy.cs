using Promoter.Abstractions.Channels;
using Promoter.Host.Configuration;

namespace Promoter.Host.Pipeline;

/// <summary>
/// When to try a failed delivery again: exponential backoff with jitter from <c>initial_backoff</c> up to
/// <c>max_backoff</c>; a service's own Retry-After (on 429 and on 503, RFC 9110 §10.2.3) wins when it asks for
/// longer. A wait that would end past the delivery's deadline (<c>deadline</c>, counted from when the group
/// arrived) is cut to the deadline: one last attempt then, rather than giving up while time is left. At or after
/// the deadline there is no next attempt.
/// </summary>
internal sealed class RetryPolicy(DeliverySettings settings)
{
    /// <summary>The next attempt time, or null when the failure is final.</summary>
    public DateTimeOffset? NextAttempt(DeliveryResult result, int attemptsMade, DateTimeOffset createdAt, DateTimeOffset now, Random random)
    {
        if (!result.IsRetryable)
        {
            return null;
        }

        var exponent = Math.Min(attemptsMade - 1, 30);
        var backoff = TimeSpan.FromTicks((long)Math.Min(settings.InitialBackoff.Ticks * Math.Pow(2, exponent), settings.MaxBackoff.Ticks));
        // Jitter in [50 %, 100 %] keeps many deliveries that failed together from retrying in lock-step.
        var delay = TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + (random.NextDouble() * 0.5))));
        if (result.RetryAfter is { } retryAfter && retryAfter > delay)
        {
            delay = retryAfter;
        }

        var deadline = createdAt + settings.Deadline;
        if (now >= deadline)
        {
            return null;
        }

        var next = now + delay;
        return next > deadline ? deadline : next;
    }
}
