namespace Promoter.Abstractions.Rendering;

/// <summary>
/// Optional: a renderer that draws a dashboard panel on demand, for <c>POST /grafana-images</c> (grafana-images'
/// API) and the panel form of <c>POST /api/v1/render</c>. The Grafana renderer implements it.
/// </summary>
public interface IPanelRenderer
{
    /// <summary>Draws the panel; a request the renderer cannot serve throws <see cref="PanelRenderException"/>.</summary>
    Task<AlertImage> RenderPanelAsync(PanelQuery query, CancellationToken cancellationToken);
}

/// <summary>
/// A panel to draw: either a panel or render URL as Grafana shows it (<c>/render/d-solo/{uid}/…?panelId=…</c>,
/// <c>/d-solo/…</c>, <c>/d/{uid}/…?viewPanel=…</c>), or a dashboard uid and panel id.
/// </summary>
public sealed record PanelQuery
{
    public Uri? Url { get; init; }
    public string? DashboardUid { get; init; }
    public int? PanelId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>Dashboard variables (<c>instance</c> → <c>node1:9100</c>), as Grafana's <c>var-instance=</c>.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    public int? Width { get; init; }
    public int? Height { get; init; }

    /// <summary>
    /// The caller's own Authorization header, passed to Grafana for this request instead of the renderer's token.
    /// A renderer uses it for this one request only and never stores or logs it.
    /// </summary>
    public string? Authorization { get; init; }

    public ImageFormat Format { get; init; } = ImageFormat.Png;
}

/// <summary>Why a panel could not be drawn, so that an API can answer with the right status.</summary>
public enum PanelFailure
{
    /// <summary>The request itself is wrong (no panel id, unparsable URL, bad time range).</summary>
    InvalidRequest,

    /// <summary>The URL points at a host the renderer is not configured for, or Grafana redirected elsewhere.</summary>
    HostNotAllowed,

    /// <summary>Grafana refused the credentials (401/403).</summary>
    Unauthorized,

    /// <summary>No such dashboard or panel.</summary>
    NotFound,

    /// <summary>Grafana could not be reached, answered 5xx or did not answer in time.</summary>
    Unavailable,

    /// <summary>Grafana answered with something that is not a valid image under the size cap.</summary>
    InvalidImage,
}

/// <summary>A panel that could not be drawn; the message is fit for an API answer and a log (no credentials).</summary>
public sealed class PanelRenderException : Exception
{
    public PanelRenderException() { }
    public PanelRenderException(string message) : base(message) { }
    public PanelRenderException(string message, Exception inner) : base(message, inner) { }

    public PanelRenderException(PanelFailure failure, string message, Exception? inner = null) : base(message, inner)
    {
        Failure = failure;
    }

    public PanelFailure Failure { get; }
}
