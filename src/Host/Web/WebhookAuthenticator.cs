using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Promoter.Host.Configuration;

namespace Promoter.Host.Web;

/// <summary>
/// Checks a webhook request against <c>auth:</c> — a bearer token, basic auth or a static header, matching
/// what Alertmanager's http_config can send. Comparisons take constant time.
/// </summary>
internal static class WebhookAuthenticator
{
    public static bool IsAuthorized(HttpRequest request, WebhookAuthSettings auth)
    {
        if (!auth.IsEnabled)
        {
            return true;
        }

        if (auth.HeaderName is { } headerName)
        {
            return request.Headers.TryGetValue(headerName, out var v) && FixedEquals(v.ToString(), auth.HeaderValue ?? "");
        }

        var header = request.Headers.Authorization.ToString();
        if (auth.BearerToken is { } token)
        {
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && FixedEquals(header[7..].Trim(), token);
        }

        if (auth.BasicUser is { } user)
        {
            if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                return FixedEquals(decoded, $"{user}:{auth.BasicPassword}");
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="path"/> needs the credentials besides the webhooks (which check them
    /// themselves): with <c>scope: all</c> the API, the web page and reload; with <c>scope: tools</c> (the default)
    /// the template preview and render APIs.</summary>
    public static bool IsProtected(PathString path, WebhookAuthSettings auth)
    {
        if (!auth.IsEnabled)
        {
            return false;
        }

        if (auth.CoversEverything && IsProtectedByScopeAll(path))
        {
            return true;
        }

        return auth.CoversTools && (path.StartsWithSegments("/api/v1/templates/preview") || path.StartsWithSegments("/api/v1/render"));
    }

    /// <summary>What <c>auth.scope: all</c> adds to the webhooks: the API, the web page and reload.</summary>
    public static bool IsProtectedByScopeAll(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/alerts") || path == "/" || path.StartsWithSegments("/-/reload");

    /// <summary>
    /// A POST a web page could have made in a visitor's browser: the browser says so (Sec-Fetch-Site: cross-site),
    /// or names an Origin whose host is not the one addressed, or sends a body a plain HTML form can produce.
    /// </summary>
    public static bool IsCrossSiteForm(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString().Equals("cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null" && Uri.TryCreate(origin, UriKind.Absolute, out var o)
            && !string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return origin == "null" || (request.ContentType is { Length: > 0 } ct && !JsonRequest.HasJsonContentType(request)
            && (ct.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)
                || ct.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
                || ct.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase)));
    }

    public static string Challenge(WebhookAuthSettings auth) => auth switch
    {
        { BearerToken: not null } => "Bearer realm=\"promoter\"",
        { BasicUser: not null } => "Basic realm=\"promoter\"",
        _ => "",
    };

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
