using Microsoft.AspNetCore.Http;

namespace Promoter.Host.Web;

/// <summary>
/// Guards the page's state-changing POSTs against cross-site requests. A form on another site can post to
/// Promoter, and the browser would attach the basic-auth credentials it cached; it cannot set a custom header
/// or a JSON content type without a CORS preflight, which Promoter never answers. So a POST needs both, and an
/// Origin header, when the browser sends one, must be this host's.
/// </summary>
internal static class CrossSiteCheck
{
    public const string HeaderName = "X-Promoter-Request";

    /// <summary>Why the request is refused, or null when it may proceed.</summary>
    public static string? Reject(HttpRequest request)
    {
        if (!request.Headers.ContainsKey(HeaderName))
        {
            return $"this action needs the header {HeaderName} (sent by Promoter's page; scripts may send it too) to prove it is not a cross-site request";
        }

        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return "this action needs Content-Type: application/json";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null"
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var o) || !string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return $"cross-site request from {origin} refused";
        }

        return origin == "null" ? "cross-site request from an opaque origin refused" : null;
    }
}
