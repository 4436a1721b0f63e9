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

    /// <summary>What <c>auth.scope: all</c> adds to the webhooks: the API, the web page and reload.</summary>
    public static bool IsProtectedByScopeAll(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/alerts") || path == "/" || path.StartsWithSegments("/-/reload")
        || path.StartsWithSegments("/report") || path.StartsWithSegments("/playground") || path.StartsWithSegments("/ui");

    public static string Challenge(WebhookAuthSettings auth) => auth switch
    {
        { BearerToken: not null } => "Bearer realm=\"promoter\"",
        { BasicUser: not null } => "Basic realm=\"promoter\"",
        _ => "",
    };

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
