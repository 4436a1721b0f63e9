using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local Discord execute-webhook endpoint (<c>/api/webhooks/{id}/{token}</c>) that checks what Discord checks:
/// the webhook id and token (404 Unknown Webhook, 401 Invalid Webhook Token), a Content-Length, the body as JSON or
/// as multipart/form-data with the JSON in <c>payload_json</c> and files in <c>files[n]</c>, every
/// <c>attachments[].id</c> naming a sent file and every <c>attachment://name</c> an uploaded file name, the message
/// and embed limits (content 2,000; 10 embeds; title 256, description 4,096, 25 fields of 256/1,024, footer 2,048,
/// 6,000 characters over all embeds; 10 files; 10 MiB of files, else 413), an empty message, and the webhook's rate
/// limit (5 requests per 2 s, 429 with <c>retry_after</c> in seconds and Retry-After) when <see cref="EnforceRateLimit"/>.
/// Errors come as <c>{"code":…,"message":…}</c> (50035 Invalid Form Body with the failing paths under <c>errors</c>).
/// With <c>?wait=true</c> the answer is the message object (200); without it, 204.
/// </summary>
public sealed class FakeDiscordServer : LoopbackHttpServer
{
    public const long MaxUploadBytes = 10L * 1024 * 1024;

    private readonly object _gate = new();
    private readonly List<DiscordCall> _calls = [];
    private readonly List<DiscordPostedMessage> _messages = [];
    private readonly Queue<DateTimeOffset> _recent = new();
    private readonly Queue<(int Status, string Body, string? RetryAfter)> _scripted = new();
    private long _nextId = 1_200_000_000_000_000_000;

    private FakeDiscordServer(string webhookId, string webhookToken, TimeProvider clock)
    {
        WebhookId = webhookId;
        WebhookToken = webhookToken;
        Clock = clock;
    }

    public static async Task<FakeDiscordServer> StartAsync(string webhookId = "1180000000000000001",
        string webhookToken = "fakeDiscordWebhookToken_0123456789abcdefghijklmnopqrstuvwxyz", TimeProvider? clock = null)
    {
        var server = new FakeDiscordServer(webhookId, webhookToken, clock ?? TimeProvider.System);
        await server.StartServerAsync();
        return server;
    }

    public string WebhookId { get; }
    public string WebhookToken { get; }
    public TimeProvider Clock { get; }

    /// <summary>Whether more than 5 requests within 2 s get 429.</summary>
    public bool EnforceRateLimit { get; set; }

    /// <summary>Threads of the webhook's channel that <c>thread_id</c> may name.</summary>
    public HashSet<string> Threads { get; } = ["1190000000000000007"];

    public Uri WebhookUrl => new(BaseUrl, $"api/webhooks/{WebhookId}/{WebhookToken}");

    public IReadOnlyList<DiscordCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToList();
            }
        }
    }

    public IReadOnlyList<DiscordPostedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToList();
            }
        }
    }

    /// <summary>The next request gets this answer instead of being processed.</summary>
    public void RespondNext(int status, string body, string? retryAfter = null)
    {
        lock (_gate)
        {
            _scripted.Enqueue((status, body, retryAfter));
        }
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = await ReceivedRequest.ReadAsync(context.Request);
        (int Status, string Body, string? RetryAfter) answer;
        lock (_gate)
        {
            answer = _scripted.Count > 0 ? _scripted.Dequeue() : Dispatch(context.Request, request);
            _calls.Add(new DiscordCall(request, answer.Status, answer.Body));
        }

        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        }

        if (answer.Status != 204)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Body);
        }
    }

    private (int, string, string?) Dispatch(HttpRequest http, ReceivedRequest request)
    {
        var segments = (http.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(segments, "webhooks");
        if (segments.Length < 3 || segments[0] != "api" || at < 1 || segments.Length != at + 3)
        {
            return (404, """{"message": "404: Not Found", "code": 0}""", null);
        }

        if (segments[at + 1] != WebhookId)
        {
            return (404, """{"message": "Unknown Webhook", "code": 10015}""", null);
        }

        if (segments[at + 2] != WebhookToken)
        {
            return (401, """{"message": "Invalid Webhook Token", "code": 50027}""", null);
        }

        if (http.Method != "POST")
        {
            return (405, """{"message": "405: Method Not Allowed", "code": 0}""", null);
        }

        if (request.Header("content-length") is null)
        {
            return (411, """{"message": "411: Length Required", "code": 0}""", null);
        }

        var now = Clock.GetUtcNow();
        while (_recent.Count > 0 && now - _recent.Peek() >= TimeSpan.FromSeconds(2))
        {
            _recent.Dequeue();
        }

        if (EnforceRateLimit && _recent.Count >= 5)
        {
            var wait = TimeSpan.FromSeconds(2) - (now - _recent.Peek());
            var seconds = Math.Round(Math.Max(0.001, wait.TotalSeconds), 3);
            return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = seconds, ["global"] = false }.ToJsonString(),
                Math.Max(1, (int)Math.Ceiling(seconds)).ToString(CultureInfo.InvariantCulture));
        }

        _recent.Enqueue(now);

        var thread = http.Query["thread_id"].ToString();
        if (thread.Length > 0 && !Threads.Contains(thread))
        {
            return (400, """{"message": "Unknown Channel", "code": 10003}""", null);
        }

        JsonObject payload;
        var files = new List<DiscordUploadedFile>();
        try
        {
            var type = http.ContentType ?? "";
            if (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                payload = JsonNode.Parse(request.BodyText) as JsonObject ?? throw new JsonException();
            }
            else if (type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                http.Body = new MemoryStream(request.Body);
                var form = http.ReadFormAsync().GetAwaiter().GetResult();
                var json = form["payload_json"].ToString();
                payload = json.Length > 0 ? JsonNode.Parse(json) as JsonObject ?? throw new JsonException() : [];
                foreach (var file in form.Files)
                {
                    var match = System.Text.RegularExpressions.Regex.Match(file.Name, @"^files\[([0-9]+)\]$");
                    if (!match.Success)
                    {
                        return Invalid(file.Name, "UNKNOWN_FIELD", "Unknown form field; files go in files[n]");
                    }

                    using var ms = new MemoryStream();
                    file.CopyTo(ms);
                    files.Add(new DiscordUploadedFile(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), file.FileName, file.ContentType, ms.ToArray()));
                }
            }
            else
            {
                return (400, """{"message": "Cannot send an empty message", "code": 50006}""", null);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
        {
            return (400, """{"message": "The request body contains invalid JSON.", "code": 50109}""", null);
        }

        if (files.Sum(f => (long)f.Content.Length) > MaxUploadBytes)
        {
            return (413, """{"message": "Request entity too large", "code": 40005}""", null);
        }

        if (Validate(payload, files) is { } invalid)
        {
            return invalid;
        }

        var embeds = payload["embeds"] as JsonArray ?? [];
        if (Str(payload["content"]) is null or "" && embeds.Count == 0 && files.Count == 0)
        {
            return (400, """{"message": "Cannot send an empty message", "code": 50006}""", null);
        }

        var id = (++_nextId).ToString(CultureInfo.InvariantCulture);
        _messages.Add(new DiscordPostedMessage(id, payload.ToJsonString(), files, thread.Length > 0 ? thread : null));
        if (http.Query["wait"] != "true")
        {
            return (204, "", null);
        }

        var answer = new JsonObject
        {
            ["id"] = id,
            ["type"] = 0,
            ["channel_id"] = thread.Length > 0 ? thread : "1170000000000000003",
            ["webhook_id"] = WebhookId,
            ["content"] = Str(payload["content"]) ?? "",
            ["embeds"] = embeds.DeepClone(),
            ["attachments"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject { ["id"] = f.Index.ToString(CultureInfo.InvariantCulture), ["filename"] = f.FileName, ["size"] = f.Content.Length }).ToArray()),
        };
        return (200, answer.ToJsonString(), null);
    }

    private static (int, string, string?)? Validate(JsonObject payload, List<DiscordUploadedFile> files)
    {
        if (Str(payload["content"]) is { Length: > 2000 })
        {
            return Invalid("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
        }

        if (Str(payload["username"]) is { } username && (username.Length is 0 or > 80 || username.Contains("discord", StringComparison.OrdinalIgnoreCase)))
        {
            return Invalid("username", "USERNAME_INVALID_CONTAINS", "Username cannot contain \"discord\" and must be 1 to 80 characters");
        }

        if (files.Count > 10)
        {
            return Invalid("files", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
        }

        var names = files.Select(f => f.FileName).ToHashSet(StringComparer.Ordinal);
        if (payload["attachments"] is JsonArray attachments)
        {
            for (var i = 0; i < attachments.Count; i++)
            {
                var idNode = attachments[i]?["id"];
                var ok = idNode is JsonValue v && (v.TryGetValue<int>(out var n) || (v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n)))
                         && files.Any(f => f.Index == n);
                if (!ok)
                {
                    return Invalid($"attachments.{i}.id", "ATTACHMENT_NOT_FOUND", "Attachment data not found");
                }

                if (Str(attachments[i]?["description"]) is { Length: > 1024 })
                {
                    return Invalid($"attachments.{i}.description", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.");
                }
            }
        }

        if (payload["embeds"] is not JsonArray embeds)
        {
            return payload["embeds"] is null ? null : Invalid("embeds", "BASE_TYPE_LIST", "Must be a list.");
        }

        if (embeds.Count > 10)
        {
            return Invalid("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
        }

        var total = 0;
        for (var i = 0; i < embeds.Count; i++)
        {
            if (embeds[i] is not JsonObject e)
            {
                return Invalid($"embeds.{i}", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
            }

            foreach (var (field, max) in new[] { ("title", 256), ("description", 4096) })
            {
                var text = Str(e[field]) ?? "";
                if (text.Length > max)
                {
                    return Invalid($"embeds.{i}.{field}", "BASE_TYPE_MAX_LENGTH", $"Must be {max} or fewer in length.");
                }

                total += text.Length;
            }

            if (e["color"] is JsonValue colour && (!colour.TryGetValue<int>(out var c) || c is < 0 or > 0xFFFFFF))
            {
                return Invalid($"embeds.{i}.color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.");
            }

            if (Str(e["url"]) is { } url && !IsWebUrl(url))
            {
                return Invalid($"embeds.{i}.url", "URL_TYPE_INVALID_URL", "Not a well formed URL.");
            }

            var footer = Str(e["footer"]?["text"]) ?? "";
            if (footer.Length > 2048)
            {
                return Invalid($"embeds.{i}.footer.text", "BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.");
            }

            total += footer.Length + (Str(e["author"]?["name"])?.Length ?? 0);
            if (e["fields"] is JsonArray fields)
            {
                if (fields.Count > 25)
                {
                    return Invalid($"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
                }

                for (var f = 0; f < fields.Count; f++)
                {
                    var name = Str(fields[f]?["name"]) ?? "";
                    var value = Str(fields[f]?["value"]) ?? "";
                    if (name.Length is 0 or > 256)
                    {
                        return Invalid($"embeds.{i}.fields.{f}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 256 in length.");
                    }

                    if (value.Length is 0 or > 1024)
                    {
                        return Invalid($"embeds.{i}.fields.{f}.value", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024 in length.");
                    }

                    total += name.Length + value.Length;
                }
            }

            if (Str(e["image"]?["url"]) is { } image)
            {
                if (image.StartsWith("attachment://", StringComparison.Ordinal))
                {
                    if (!names.Contains(image["attachment://".Length..]))
                    {
                        return Invalid($"embeds.{i}.image.url", "ATTACHMENT_NOT_FOUND", "The attachment referenced was not uploaded with the message.");
                    }
                }
                else if (!IsWebUrl(image))
                {
                    return Invalid($"embeds.{i}.image.url", "URL_TYPE_INVALID_URL", "Scheme \"" + image.Split(':')[0] + "\" is not supported. Scheme must be one of ('http', 'https', 'attachment').");
                }
            }
        }

        return total > 6000 ? Invalid("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000") : null;
    }

    private static bool IsWebUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    private static (int, string, string?) Invalid(string path, string code, string message)
    {
        // {"code":50035,"errors":{"embeds":{"0":{"description":{"_errors":[{"code":…,"message":…}]}}}},"message":"Invalid Form Body"}
        JsonObject leaf = new() { ["_errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }) };
        foreach (var part in path.Split('.').Reverse())
        {
            leaf = new JsonObject { [part] = leaf };
        }

        return (400, new JsonObject { ["code"] = 50035, ["errors"] = leaf, ["message"] = "Invalid Form Body" }.ToJsonString(), null);
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>One request to the fake webhook, with the answer given.</summary>
public sealed record DiscordCall(ReceivedRequest Request, int Status, string ResponseBody);

/// <summary>A file part (<c>files[Index]</c>) of an accepted message.</summary>
public sealed record DiscordUploadedFile(int Index, string FileName, string ContentType, byte[] Content);

/// <summary>A message the fake webhook accepted: its JSON payload and files.</summary>
public sealed record DiscordPostedMessage(string Id, string PayloadJson, IReadOnlyList<DiscordUploadedFile> Files, string? ThreadId)
{
    public JsonObject Payload => (JsonObject)JsonNode.Parse(PayloadJson)!;
}
