using Promoter.Abstractions.Channels;
using Promoter.Host.Configuration;
using Promoter.Host.Pipeline;

namespace Promoter.Host.Tests.Pipeline;

/// <summary>
/// When a failed delivery is tried again: a service's Retry-After (429 and 503) wins over the backoff when longer,
/// and a wait that would pass the deadline is cut to the deadline (one last attempt) instead of dropping the delivery.
/// </summary>
public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private static readonly RetryPolicy Policy = new(new DeliverySettings
    {
        Deadline = TimeSpan.FromMinutes(10),
        InitialBackoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(30),
    });

    private static DeliveryResult Result(string kind, int? retryAfterSeconds)
    {
        TimeSpan? retryAfter = retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null;
        return kind switch
        {
            "429" => DeliveryResult.RateLimited("slow down", retryAfter),
            "503" => DeliveryResult.Transient("maintenance", retryAfter),
            "auth" => DeliveryResult.Auth("wrong token"),
            _ => DeliveryResult.Permanent("no such robot"),
        };
    }

    [Theory]
    // elapsed since the group arrived (s), failure, Retry-After (s), expected next attempt after `now` (s; -1: none)
    [InlineData(0, "503", 120, 120)]
    [InlineData(0, "429", 120, 120)]
    [InlineData(590, "503", 120, 10)]
    [InlineData(590, "429", 3600, 10)]
    [InlineData(0, "503", 86_400, 600)]
    [InlineData(600, "503", 5, -1)]
    [InlineData(700, "429", 5, -1)]
    [InlineData(0, "auth", 5, -1)]
    [InlineData(0, "permanent", null, -1)]
    public void NextAttempt_RetryAfterAndDeadline_WaitsOrCutsToDeadline(int elapsed, string kind, int? retryAfter, int expectedWait)
    {
        var now = Created.AddSeconds(elapsed);

        var next = Policy.NextAttempt(Result(kind, retryAfter), attemptsMade: 1, Created, now, new Random(1));

        if (expectedWait < 0)
        {
            Assert.Null(next);
        }
        else
        {
            Assert.Equal(now.AddSeconds(expectedWait), next);
        }
    }

    [Fact]
    public void NextAttempt_ShortRetryAfter_BackoffWinsWhenLonger()
    {
        var next = Policy.NextAttempt(DeliveryResult.Transient("busy", TimeSpan.FromMilliseconds(1)), attemptsMade: 6, Created, Created, new Random(1));

        // Sixth attempt: 1 s × 2^5 = 32 s, capped at 30 s, with jitter in [50 %, 100 %].
        Assert.NotNull(next);
        Assert.InRange(next.Value - Created, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
    }
}
