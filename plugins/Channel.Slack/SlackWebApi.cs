using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Slack;

/// <summary>The answer of a Web API call: the parsed body, or the failure.</summary>
internal sealed record SlackApiResult(DeliveryResult? Failure, JsonObject? Body, string? Error)
{
    public bool Ok => Failure is null;

    public string? Str(string name) => Body?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>
/// Calls Slack's Web API with the bot token. Slack answers HTTP 200 with <c>{"ok":false,"error":…}</c> for
/// most failures, so the <c>error</c> code decides the classification; 429 carries Retry-After.
/// </summary>
internal sealed class SlackWebApi(Uri apiUrl, string token, ChannelHttp http)
{
    private const string Service = "Slack";

    public Task<SlackApiResult> CallJsonAsync(string method, JsonObject args, CancellationToken cancellationToken) =>
        CallAsync(method, new StringContent(args.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);

    /// <summary>Form-encoded arguments (files.getUploadURLExternal documents form encoding as the safe choice).</summary>
    public Task<SlackApiResult> CallFormAsync(string method, IEnumerable<KeyValuePair<string, string>> args, CancellationToken cancellationToken) =>
        CallAsync(method, new FormUrlEncodedContent(args), cancellationToken);

    /// <summary>POSTs raw bytes to an upload URL returned by files.getUploadURLExternal.</summary>
    public async Task<DeliveryResult?> UploadAsync(Uri uploadUrl, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = new ReadOnlyMemoryContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var exchange = await http.SendAsync(request, "Slack file upload", cancellationToken).ConfigureAwait(false);
        return exchange.Failure ?? (exchange.IsSuccessStatus ? null : http.ClassifyStatus(exchange, "Slack file upload"));
    }

    private async Task<SlackApiResult> CallAsync(string method, HttpContent content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiUrl, method)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var exchange = await http.SendAsync(request, $"{Service} {method}", cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return new SlackApiResult(failure, null, null);
        }

        JsonObject? body = null;
        try
        {
            body = JsonNode.Parse(exchange.Body) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var error = body?["error"] is JsonValue e && e.TryGetValue<string>(out var code) ? code : null;
        if (!exchange.IsSuccessStatus)
        {
            var result = http.ClassifyStatus(exchange, $"{Service} {method}");
            return new SlackApiResult(result, body, error);
        }

        if (body is null)
        {
            return new SlackApiResult(DeliveryResult.Transient($"{Service} {method} answered HTTP {exchange.Status} with a body that is not JSON{http.Excerpt(exchange.Body)}")
                with { StatusCode = exchange.Status }, null, null);
        }

        if (body["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var isOk) && isOk)
        {
            return new SlackApiResult(null, body, null);
        }

        return new SlackApiResult(Classify(method, error ?? "unknown_error", exchange.RetryAfter) with { StatusCode = exchange.Status }, body, error);
    }

    /// <summary>Slack's error codes (docs.slack.dev, per method "Errors" tables).</summary>
    internal static DeliveryResult Classify(string method, string error, TimeSpan? retryAfter)
    {
        var said = $"Slack {method} failed: {error}";
        return error switch
        {
            "ratelimited" or "rate_limited" => DeliveryResult.RateLimited(said, retryAfter),
            "invalid_auth" or "not_authed" or "account_inactive" or "token_revoked" or "token_expired" or "no_permission"
                or "missing_scope" or "not_allowed_token_type" or "team_access_not_granted" or "ekm_access_denied" =>
                DeliveryResult.Auth(said + "; check the bot token (token / token_file) and the app's scopes (chat:write, files:write)"),
            "channel_not_found" => DeliveryResult.Permanent(said + "; check channel (use the channel ID, C…, and invite the bot for private channels)"),
            "not_in_channel" => DeliveryResult.Permanent(said + "; invite the bot to the channel (/invite @your-bot)"),
            "is_archived" => DeliveryResult.Permanent(said + "; the channel is archived: unarchive it or configure another channel"),
            "invalid_blocks" or "invalid_blocks_format" or "msg_too_long" or "msg_blocks_too_long" or "no_text" or "invalid_arguments"
                or "invalid_json" or "json_not_object" or "invalid_attachments" or "too_many_attachments" or "invalid_form_data" =>
                DeliveryResult.Invalid(said + "; Slack refused the message's content (check the template)"),
            "internal_error" or "fatal_error" or "service_unavailable" or "request_timeout" => DeliveryResult.Transient(said),
            _ => DeliveryResult.Permanent(said),
        };
    }
}
