namespace Promoter.Renderer.Grafana;

/// <summary>
/// Remembers that Grafana refused the configured token, so that every alert after it does not send the same
/// refused request again (and log the same error again): a wrong or revoked token is an operator's fix, and
/// retrying it per alert only floods Grafana's audit log. After <c>auth_retry_after</c> one request tries again.
/// A caller's own Authorization header (grafana-images) never passes through the gate.
/// </summary>
internal sealed class AuthGate(TimeProvider time, TimeSpan retryAfter)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _blockedUntil;
    private string _reason = "";

    /// <summary>Null when requests may go; else why not and until when.</summary>
    public string? Blocked()
    {
        lock (_lock)
        {
            return time.GetUtcNow() < _blockedUntil
                ? $"Grafana refused the configured token ({_reason}); not retried before {_blockedUntil:u} (fix token_file, then POST /-/reload)"
                : null;
        }
    }

    /// <summary>Records a refusal; true when it is new (log it), false while it was already known.</summary>
    public bool Refused(string reason, out DateTimeOffset until)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var wasBlocked = _reason.Length > 0;
            _blockedUntil = now + retryAfter;
            _reason = reason;
            until = _blockedUntil;
            return !wasBlocked;
        }
    }

    public void Accepted()
    {
        lock (_lock)
        {
            _reason = "";
            _blockedUntil = default;
        }
    }
}
