using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Telegram;

/// <summary>A file part of a multipart call.</summary>
internal sealed record TelegramUpload(string Field, ReadOnlyMemory<byte> Content, string FileName, string ContentType);

/// <summary>The answer of one Bot API call: the message sent (id and chat) or the failure.</summary>
internal sealed record TelegramReply(DeliveryResult? Failure, long MessageId = 0, string? ChatId = null, string? Description = null);

/// <summary>
/// Calls Bot API methods at <c>{api_url}bot{token}/{method}</c>, as JSON or (to upload a photo) as
/// multipart/form-data, both fully buffered so that every request carries a Content-Length. Every answer is
/// <c>{"ok":true,"result":…}</c> or <c>{"ok":false,"error_code":…,"description":…,"parameters":…}</c>;
/// a 429's wait is in <c>parameters.retry_after</c> (seconds), a group upgraded to a supergroup gives its new
/// id in <c>parameters.migrate_to_chat_id</c>.
/// </summary>
internal sealed class TelegramBotApi(Uri apiUrl, string token, ChannelHttp http)
{
    private const string Service = "Telegram";

    public async Task<TelegramReply> CallJsonAsync(string method, JsonObject payload, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, MethodUrl(method))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(payload.ToJsonString())),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return Classify(await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A method with file parts (sendPhoto's <c>photo</c>, sendMediaGroup's <c>attach://</c> names): the other
    /// parameters are form fields, objects as JSON.</summary>
    public async Task<TelegramReply> CallMultipartAsync(string method, IEnumerable<KeyValuePair<string, string>> fields,
        IEnumerable<TelegramUpload> files, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent("promoter-" + Guid.NewGuid().ToString("N"));
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value, Encoding.UTF8), name);
        }

        foreach (var file in files)
        {
            var part = new ReadOnlyMemoryContent(file.Content);
            part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
            form.Add(part, file.Field, file.FileName);
        }

        // Buffered: the request goes out with a Content-Length rather than chunked.
        var body = await form.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, MethodUrl(method)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = form.Headers.ContentType;
        return Classify(await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false));
    }

    // Built as a string: "bot123:AA…/sendPhoto" as a relative URI would read "bot123" as a scheme.
    private Uri MethodUrl(string method) => new(apiUrl.AbsoluteUri + "bot" + token + "/" + method);

    private TelegramReply Classify(HttpExchange exchange)
    {
        if (exchange.Failure is { } failure)
        {
            return new TelegramReply(failure);
        }

        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(exchange.Body) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var ok = json?["ok"] is JsonValue okValue && okValue.TryGetValue<bool>(out var b) && b;
        if (ok && exchange.IsSuccessStatus)
        {
            // sendMediaGroup answers with the array of the album's messages: the first one stands for it.
            var result = json!["result"] as JsonObject ?? (json["result"] as JsonArray)?.FirstOrDefault() as JsonObject;
            var id = Long(result?["message_id"]) ?? 0;
            var chat = Long(result?["chat"]?["id"]);
            return new TelegramReply(null, id, chat?.ToString(CultureInfo.InvariantCulture));
        }

        var description = Str(json?["description"]) ?? "";
        var errorCode = (int?)Long(json?["error_code"]);
        var parameters = json?["parameters"] as JsonObject;
        var status = exchange.IsSuccessStatus ? errorCode ?? 0 : exchange.Status;
        if (status == 429)
        {
            var wait = Long(parameters?["retry_after"]) is { } seconds ? TimeSpan.FromSeconds(seconds) : exchange.RetryAfter;
            var message = $"Telegram asked to slow down (HTTP 429{(wait is null ? "" : $", retry after {wait.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s")}){http.Excerpt(description)}";
            return new TelegramReply(DeliveryResult.RateLimited(message, wait) with { StatusCode = exchange.Status }, Description: description);
        }

        if (Long(parameters?["migrate_to_chat_id"]) is { } migrated)
        {
            return new TelegramReply(DeliveryResult.Invalid(
                $"Telegram: the group was upgraded to a supergroup with a new id{http.Excerpt(description)}; set chat_id: {migrated.ToString(CultureInfo.InvariantCulture)}")
                with { StatusCode = exchange.Status }, Description: description);
        }

        if (status == 0)
        {
            return new TelegramReply(DeliveryResult.Permanent(
                $"Telegram answered HTTP {exchange.Status} without a Bot API response{http.Excerpt(exchange.Body)}; check api_url") with { StatusCode = exchange.Status });
        }

        var classified = http.ClassifyStatus(exchange with { Status = status }, Service) with { StatusCode = exchange.Status };
        if (status == 404)
        {
            // The Bot API answers 404 Not Found for a token that does not belong to any bot.
            classified = DeliveryResult.Permanent(classified.Message + "; Telegram answers 404 for an unknown bot token: check bot_token")
                with { StatusCode = exchange.Status };
        }

        return new TelegramReply(classified, Description: description);
    }

    private static long? Long(JsonNode? node) =>
        node is JsonValue v && (v.TryGetValue<long>(out var l) || (v.TryGetValue<double>(out var d) && (l = (long)d) == d)) ? l : null;

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
