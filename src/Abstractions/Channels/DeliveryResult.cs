namespace Promoter.Abstractions.Channels;

/// <summary>How a failed delivery should be treated by the pipeline.</summary>
public enum FailureReason
{
    /// <summary>Network error, timeout or 5xx: retried with backoff.</summary>
    Transient,

    /// <summary>The service asked us to slow down: retried after <see cref="DeliveryResult.RetryAfter"/> or backoff.</summary>
    RateLimited,

    /// <summary>Credentials rejected (bad token, signature, IP allow-list): not retried; an operator must act.</summary>
    Auth,

    /// <summary>The service refused the message itself (too long, bad shape): not retried.</summary>
    InvalidRequest,

    /// <summary>Any other failure that retrying cannot fix: not retried.</summary>
    Permanent,
}

/// <summary>The outcome of one send attempt. Failure messages must never contain secrets.</summary>
public sealed record DeliveryResult
{
    private DeliveryResult() { }

    /// <summary>Null on success.</summary>
    public FailureReason? Failure { get; private init; }

    public bool IsSuccess => Failure is null;

    /// <summary>Whether the pipeline should try again (transient and rate-limited failures).</summary>
    public bool IsRetryable => Failure is FailureReason.Transient or FailureReason.RateLimited;

    /// <summary>For a failure: what went wrong and, where known, what to check. No secrets.</summary>
    public string Message { get; private init; } = "";

    /// <summary>For <see cref="FailureReason.RateLimited"/> and <see cref="FailureReason.Transient"/> (a 503 with
    /// Retry-After): how long the service asked us to wait.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    /// <summary>On success: the id of the message the service created (Slack channel and ts, …).</summary>
    public string? MessageId { get; private init; }

    /// <summary>On failure: state handed back in <see cref="Notification.ResumeToken"/> on the next attempt.</summary>
    public string? ResumeToken { get; init; }

    /// <summary>HTTP status of the last response, when there was one (for logs and metrics).</summary>
    public int? StatusCode { get; init; }

    public static DeliveryResult Success(string? messageId = null) => new() { MessageId = messageId };

    public static DeliveryResult Transient(string message) => Fail(FailureReason.Transient, message);

    /// <summary>A transient failure with the wait the service asked for (503 Service Unavailable with Retry-After).</summary>
    public static DeliveryResult Transient(string message, TimeSpan? retryAfter) =>
        new() { Failure = FailureReason.Transient, Message = message, RetryAfter = retryAfter };

    public static DeliveryResult RateLimited(string message, TimeSpan? retryAfter = null) =>
        new() { Failure = FailureReason.RateLimited, Message = message, RetryAfter = retryAfter };

    public static DeliveryResult Auth(string message) => Fail(FailureReason.Auth, message);

    public static DeliveryResult Invalid(string message) => Fail(FailureReason.InvalidRequest, message);

    public static DeliveryResult Permanent(string message) => Fail(FailureReason.Permanent, message);

    public static DeliveryResult Fail(FailureReason reason, string message) =>
        new() { Failure = reason, Message = message };

    public override string ToString() =>
        IsSuccess ? $"success{(MessageId is null ? "" : " " + MessageId)}" : $"{Failure}: {Message}";
}
