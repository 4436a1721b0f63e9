using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Promoter.Host.Web;

/// <summary>
/// Reads a JSON request body the way every POST endpoint must: Content-Type application/json (UTF-8) required,
/// the body bounded, and anything wrong answered with a 4xx naming the problem. Never a 500: Alertmanager retries
/// every 5xx forever, and ASP.NET's own JSON reading throws on a missing Content-Type or on bytes that are not UTF-8.
/// </summary>
internal static class JsonRequest
{
    /// <summary>
    /// True for <c>application/json</c> and <c>application/*+json</c> in UTF-8 (no charset, or utf-8). A browser
    /// can send a cross-site POST without asking first only as text/plain, a form or multipart: requiring JSON
    /// means a web page cannot forge a webhook or a preview in a visitor's browser.
    /// </summary>
    public static bool HasJsonContentType(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            return false;
        }

        var media = type.MediaType.Value ?? "";
        var json = media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        var charset = type.Charset.Value;
        return json && (string.IsNullOrEmpty(charset) || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));
    }

    public static IResult UnsupportedMediaType(HttpRequest request, string what) => Results.Json(
        new ErrorBody("error", $"Content-Type must be application/json (UTF-8), found '{(string.IsNullOrEmpty(request.ContentType) ? "(none)" : request.ContentType)}'; {what}"),
        WebJson.Api.ErrorBody, statusCode: StatusCodes.Status415UnsupportedMediaType);

    /// <summary>Reads and deserializes the body; on failure <c>Error</c> is the 4xx to answer.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, long maxBytes, string example)
    {
        var request = context.Request;
        if (!HasJsonContentType(request))
        {
            return (default, UnsupportedMediaType(request, "send a JSON body such as " + example));
        }

        byte[] body;
        try
        {
            body = await BoundedBody.ReadAsync(request, maxBytes, context.RequestAborted);
        }
        catch (BoundedBody.TooLargeException)
        {
            return (default, Results.Json(new ErrorBody("error", $"the body is larger than {maxBytes} bytes (webhook.max_body_bytes)"),
                WebJson.Api.ErrorBody, statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            return value is null
                ? (default, Bad("the body is JSON null; send an object such as " + example))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (default, Bad($"the body is not valid JSON for this endpoint: {e.Message}"));
        }
        catch (InvalidOperationException)
        {
            return (default, Bad("the body has a string that is not valid UTF-8 text (invalid bytes, or a lone \\uD800-\\uDFFF surrogate escape)"));
        }
    }

    private static IResult Bad(string message) =>
        Results.Json(new ErrorBody("error", message), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status400BadRequest);
}

/// <summary>Reads a request body up to a limit, straight into one array when Content-Length is known.</summary>
internal static class BoundedBody
{
    public sealed class TooLargeException : Exception;

    public static async Task<byte[]> ReadAsync(HttpRequest request, long max, CancellationToken ct)
    {
        if (request.ContentLength > max)
        {
            throw new TooLargeException();
        }

        // Alertmanager always sends Content-Length: read straight into an array of that size. A burst of thousands
        // of webhooks then leaves no intermediate buffers behind for the garbage collector.
        if (request.ContentLength is { } length)
        {
            // Kestrel frames the body by Content-Length: a client that sends less fails the read as a bad request.
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, ct);
            return exact;
        }

        using var buffer = new MemoryStream(4096);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw new TooLargeException();
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }
}
