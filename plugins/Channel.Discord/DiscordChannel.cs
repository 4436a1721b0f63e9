using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Discord;

/// <summary>
/// Executes the webhook with <c>?wait=true</c> (so that Discord answers with the message and its id). Without
/// charts to upload the body is JSON; with them it is one multipart/form-data request: the JSON as the
/// <c>payload_json</c> part and each chart as <c>files[n]</c>, which the embeds show through
/// <c>attachment://name</c>. A 429 carries the wait in its body (<c>retry_after</c>, seconds with a fraction)
/// and in Retry-After.
/// </summary>
internal sealed class DiscordChannel(string name, DiscordOptions options, DiscordMessageBuilder builder, ChannelHttp http) : IChannel
{
    private const string Service = "Discord webhook";

    public string Name { get; } = name;

    /// <summary>Charts go with the message as files: no public store needed.</summary>
    public bool UploadsImages => true;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var message = builder.Build(notification);
        var json = Encoding.UTF8.GetBytes(message.Payload.ToJsonString());
        HttpContent content;
        if (message.Files.Count == 0)
        {
            content = new ByteArrayContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        else
        {
            using var form = new MultipartFormDataContent("promoter-" + Guid.NewGuid().ToString("N"));
            var payloadPart = new ByteArrayContent(json);
            payloadPart.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            form.Add(payloadPart, "payload_json");
            foreach (var file in message.Files)
            {
                var part = new ReadOnlyMemoryContent(file.Content);
                part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
                form.Add(part, $"files[{file.Index.ToString(CultureInfo.InvariantCulture)}]", file.FileName);
            }

            // Buffered: the request goes out with a Content-Length rather than chunked.
            content = new ByteArrayContent(await form.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            content.Headers.ContentType = form.Headers.ContentType;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, ExecuteUrl()) { Content = content };
        var exchange = await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        var body = Parse(exchange.Body);
        if (exchange.IsSuccessStatus)
        {
            return DeliveryResult.Success(Str(body?["id"]));
        }

        if (exchange.Status == 429)
        {
            // retry_after in the body is exact (0.5 s is common); Retry-After is rounded up to whole seconds.
            var wait = body?["retry_after"] is JsonValue v && v.TryGetValue<double>(out var seconds) && seconds >= 0
                ? TimeSpan.FromSeconds(seconds)
                : exchange.RetryAfter;
            var global = body?["global"] is JsonValue g && g.TryGetValue<bool>(out var isGlobal) && isGlobal ? " (global limit)" : "";
            return DeliveryResult.RateLimited($"{Service} answered HTTP 429{global}{http.Excerpt(Str(body?["message"]) ?? exchange.Body)}", wait) with { StatusCode = 429 };
        }

        var classified = http.ClassifyStatus(exchange, Service);
        return Str(body?["code"]) switch
        {
            // 10015 Unknown Webhook: deleted, or the id is wrong.
            "10015" => DeliveryResult.Permanent(classified.Message + "; the webhook was deleted or the URL is wrong: copy it again from the channel's settings")
                with { StatusCode = exchange.Status },
            _ => classified,
        };
    }

    private Uri ExecuteUrl()
    {
        var url = options.WebhookUrl.AbsoluteUri.TrimEnd('/') + "?wait=true";
        return new Uri(options.ThreadId is null ? url : url + "&thread_id=" + options.ThreadId);
    }

    private static JsonObject? Parse(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonNode? node) => node is JsonValue v
        ? v.TryGetValue<string>(out var s) ? s : v.TryGetValue<long>(out var l) ? l.ToString(CultureInfo.InvariantCulture) : null
        : null;
}
