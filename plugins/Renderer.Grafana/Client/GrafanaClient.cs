using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;

namespace Promoter.Renderer.Grafana.Client;

/// <summary>
/// Grafana's HTTP API as this renderer uses it: dashboard JSON, data source lookups and the image renderer's
/// <c>/render/d-solo/</c>. Every URL must be on an allowed host (a panel URL comes from an alert annotation or an
/// API caller: fetching anything else would let them make Promoter request internal services, SSRF); redirects are
/// followed by hand so that each hop is checked too, and the credential goes only to the host it was meant for.
/// Bodies are read up to a cap. Errors never include the credential.
/// </summary>
internal sealed class GrafanaClient(HttpClient http, GrafanaRendererOptions options)
{
    // Grafana answers /render with at most one redirect (to /login when the session is missing); a chain longer
    // than this is a misconfigured proxy, not something to follow.
    private const int MaxRedirects = 3;

    public GrafanaRendererOptions Options => options;

    /// <summary>host or host:port, as <c>allowed_hosts</c> lists them.</summary>
    public static string HostKey(Uri url) =>
        url.IsDefaultPort ? url.IdnHost.ToLowerInvariant() : $"{url.IdnHost.ToLowerInvariant()}:{url.Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsAllowed(Uri url) =>
        url.IsAbsoluteUri && url.Scheme is "http" or "https" && string.IsNullOrEmpty(url.UserInfo)
        && (options.AllowedHosts.Contains(HostKey(url)) || options.AllowedHosts.Contains(url.IdnHost.ToLowerInvariant()));

    public string AllowedList => string.Join(", ", options.AllowedHosts.Order(StringComparer.Ordinal));

    public void EnsureAllowed(Uri url, string what)
    {
        if (!IsAllowed(url))
        {
            throw new PanelRenderException(PanelFailure.HostNotAllowed,
                $"{what} {Describe(url)} is not on a configured Grafana host (allowed: {AllowedList}); add the host to the grafana renderer's allowed_hosts if it is a Grafana you trust");
        }
    }

    /// <summary>GET a JSON document from Grafana's API (relative to <c>url</c>, or absolute on an allowed host).</summary>
    public async Task<JsonDocument> GetJsonAsync(Uri url, string? authorization, string what, CancellationToken cancellationToken)
    {
        var (status, mediaType, body, finalUrl) = await GetAsync(url, authorization, "application/json", options.Timeout, options.MaxDashboardBytes, what, cancellationToken).ConfigureAwait(false);
        ThrowForStatus(status, body, mediaType, what, finalUrl);
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new PanelRenderException(PanelFailure.Unavailable,
                $"{what}: {Describe(finalUrl)} answered HTTP {(int)status} with {Snippet(body, mediaType)}, not JSON (is url Grafana's base URL?)");
        }
    }

    /// <summary>GET an image from Grafana's renderer; only a valid PNG under the size cap is returned.</summary>
    public async Task<byte[]> GetPngAsync(Uri url, string? authorization, CancellationToken cancellationToken)
    {
        const string what = "Grafana's image renderer";
        var (status, mediaType, body, finalUrl) = await GetAsync(url, authorization, "image/png", options.RenderTimeout, options.MaxImageBytes, what, cancellationToken).ConfigureAwait(false);
        ThrowForStatus(status, body, mediaType, what, finalUrl);
        try
        {
            ImageContent.Validate(body, "image/png", options.MaxImageBytes);
        }
        catch (ImageRejectedException e)
        {
            throw new PanelRenderException(PanelFailure.InvalidImage,
                $"{what} at {Describe(finalUrl)} answered HTTP {(int)status} with {Snippet(body, mediaType)}, not a valid PNG: {e.Message} (is the grafana-image-renderer plugin installed?)");
        }

        return body;
    }

    private async Task<(HttpStatusCode Status, string? MediaType, byte[] Body, Uri Url)> GetAsync(Uri url, string? authorization, string accept,
        TimeSpan timeout, long maxBytes, string what, CancellationToken cancellationToken)
    {
        if (!url.IsAbsoluteUri)
        {
            url = new Uri(options.Url, url);
        }

        EnsureAllowed(url, what + " URL");
        var origin = url.GetLeftPart(UriPartial.Authority);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            for (var hop = 0; ; hop++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
                // The credential goes only to the origin it was given for, as browsers do on a redirect.
                if (authorization is not null && string.Equals(url.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                var code = (int)response.StatusCode;
                if (code is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    var next = location.IsAbsoluteUri ? location : new Uri(url, location);
                    if (next.AbsolutePath.EndsWith("/login", StringComparison.Ordinal))
                    {
                        throw new PanelRenderException(PanelFailure.Unauthorized,
                            $"{what}: Grafana at {Describe(url)} redirected to its login page: the request carried no credential it accepts (set token_file, or pass an Authorization header)");
                    }

                    if (!IsAllowed(next))
                    {
                        throw new PanelRenderException(PanelFailure.HostNotAllowed,
                            $"{what}: {Describe(url)} redirected to {Describe(next)}, which is not a configured Grafana host (allowed: {AllowedList}); the redirect was not followed");
                    }

                    if (hop >= MaxRedirects)
                    {
                        throw new PanelRenderException(PanelFailure.Unavailable, $"{what}: more than {MaxRedirects} redirects from {Describe(url)}");
                    }

                    url = next;
                    continue;
                }

                var body = await ReadCappedAsync(response, maxBytes, what, url, deadline.Token).ConfigureAwait(false);
                return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, url);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PanelRenderException(PanelFailure.Unavailable,
                $"{what} at {Describe(url)} did not answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        }
        catch (HttpRequestException e)
        {
            throw new PanelRenderException(PanelFailure.Unavailable, $"cannot reach {what} at {Describe(url)}: {e.Message}", e);
        }
    }

    private static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, long maxBytes, string what, Uri url, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw new PanelRenderException(PanelFailure.InvalidImage, $"{what} at {Describe(url)} answered more than {maxBytes} bytes ({declared}); it was not read");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new PanelRenderException(PanelFailure.InvalidImage, $"{what} at {Describe(url)} answered more than {maxBytes} bytes; the rest was not read");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static void ThrowForStatus(HttpStatusCode status, byte[] body, string? mediaType, string what, Uri url)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return;
        }

        var detail = $"{what}: {Describe(url)} answered HTTP {code} with {Snippet(body, mediaType)}";
        throw code switch
        {
            401 or 403 => new PanelRenderException(PanelFailure.Unauthorized, detail + " (the token has no access: check the service account's role, or the caller's Authorization header)"),
            404 => new PanelRenderException(PanelFailure.NotFound, detail),
            >= 500 or 408 or 429 => new PanelRenderException(PanelFailure.Unavailable, detail),
            _ => new PanelRenderException(PanelFailure.InvalidRequest, detail),
        };
    }

    /// <summary>Grafana's own {"message": …} when it sent one, else what kind of body it was; never the raw bytes of an image.</summary>
    internal static string Snippet(byte[] body, string? mediaType)
    {
        if (body.Length == 0)
        {
            return "an empty body";
        }

        if (mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    return $"\"{Clip(m.GetString()!)}\"";
                }
            }
            catch (JsonException)
            {
            }
        }

        if (mediaType is not null && mediaType.Contains("html", StringComparison.OrdinalIgnoreCase))
        {
            return $"an HTML page ({body.Length} bytes)";
        }

        if (mediaType is not null && mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return $"{mediaType} ({body.Length} bytes)";
        }

        return $"\"{Clip(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)))}\"";
    }

    private static string Clip(string s)
    {
        var cleaned = new string(s.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return cleaned.Length <= 160 ? cleaned : cleaned[..160] + "…";
    }

    /// <summary>scheme://host:port/path, without user info or query (either may carry a credential).</summary>
    public static string Describe(Uri u) => u.IsAbsoluteUri ? $"{u.Scheme}://{u.Authority}{u.AbsolutePath}" : u.OriginalString.Split('?')[0];
}
