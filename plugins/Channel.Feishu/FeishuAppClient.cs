using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Feishu;

/// <summary>
/// A self-built app's side of Feishu, for charts: custom bots cannot upload, so the app gets a tenant access
/// token (<c>auth/v3/tenant_access_token/internal</c>, cached until shortly before it expires) and uploads each
/// PNG to <c>im/v1/images</c> (<c>image_type=message</c>, ≤ 10 MB); the card then places it by <c>image_key</c>.
/// </summary>
internal sealed class FeishuAppClient(string channel, FeishuOptions options, ChannelHttp http, TimeProvider time, ILogger logger)
{
    private const string Service = "Feishu app API";

    // Codes of a token that expired or was revoked: fetch a new one and try once more.
    private static readonly int[] TokenInvalid = [99991661, 99991663, 99991668];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _expires;

    /// <summary>Uploads the image; returns its image_key, or why it could not.</summary>
    public async Task<(string? Key, string? Error)> UploadAsync(ReadOnlyMemory<byte> image, string contentType, CancellationToken cancellationToken)
    {
        if (image.Length > FeishuOptions.MaxImageBytes)
        {
            return (null, $"{image.Length} bytes is over Feishu's 10 MB image limit");
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var (token, error) = await TokenAsync(cancellationToken).ConfigureAwait(false);
            if (token is null)
            {
                return (null, error);
            }

            using var form = new MultipartFormDataContent();
            form.Add(new StringContent("message"), "image_type");
            var file = new ReadOnlyMemoryContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(file, "image", contentType == "image/jpeg" ? "chart.jpg" : "chart.png");
            // Buffered so that the request carries a Content-Length.
            await form.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.ApiUrl, "open-apis/im/v1/images")) { Content = form };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var exchange = await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
            if (exchange.Failure is { } failure)
            {
                return (null, failure.Message);
            }

            var response = Parse(exchange.Body, FeishuJsonContext.Default.FeishuImageResponse);
            if (response?.Code is { } code && TokenInvalid.Contains(code) && attempt == 0)
            {
                Forget(token);
                continue;
            }

            if (!exchange.IsSuccessStatus || response?.Code != 0 || string.IsNullOrEmpty(response.Data?.ImageKey))
            {
                return (null, $"im/v1/images answered HTTP {exchange.Status}{http.Excerpt(exchange.Body)}; check that the app has the im:resource permission");
            }

            return (response.Data.ImageKey, null);
        }

        return (null, "the tenant access token was refused twice");
    }

    private async Task<(string? Token, string? Error)> TokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is not null && time.GetUtcNow() < _expires)
            {
                return (_token, null);
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(new FeishuTokenRequest(options.AppId!, options.AppSecret!), FeishuJsonContext.Default.FeishuTokenRequest);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.ApiUrl, "open-apis/auth/v3/tenant_access_token/internal")) { Content = content };
            var exchange = await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
            if (exchange.Failure is { } failure)
            {
                return (null, failure.Message);
            }

            var response = Parse(exchange.Body, FeishuJsonContext.Default.FeishuTokenResponse);
            if (!exchange.IsSuccessStatus || response?.Code != 0 || string.IsNullOrEmpty(response.TenantAccessToken))
            {
                var code = response?.Code?.ToString(CultureInfo.InvariantCulture) ?? "none";
                return (null, $"no tenant access token (HTTP {exchange.Status}, code {code}{http.Excerpt(response?.Msg ?? "")}); check app_id and app_secret");
            }

            var ttl = TimeSpan.FromSeconds(Math.Max(60, response.Expire ?? 7200));
            // Renew five minutes (or a tenth of a short lifetime) early: a token must not expire between here and the upload.
            _expires = time.GetUtcNow() + ttl - TimeSpan.FromSeconds(Math.Min(300, ttl.TotalSeconds / 10));
            _token = response.TenantAccessToken;
            FeishuLog.TokenRefreshed(logger, channel, (int)ttl.TotalSeconds);
            return (_token, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Forget(string token)
    {
        if (_token == token)
        {
            _token = null;
        }
    }

    private static T? Parse<T>(string body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        try
        {
            return JsonSerializer.Deserialize(body, info);
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
