using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local Slack that checks what Slack checks: the bot token in <c>Authorization: Bearer</c>, the Block
/// Kit shape (block types, text lengths, image blocks with exactly one source), known channels, thread
/// parents, <c>chat.update</c> of an existing ts, the order of the external upload calls
/// (getUploadURLExternal → POST upload_url with the declared length → completeUploadExternal), and the
/// one message a second per channel pace of <c>chat.postMessage</c> (429 with Retry-After). Web API errors
/// come as HTTP 200 with <c>{"ok":false,"error":…}</c>; the incoming webhook at
/// <see cref="IncomingWebhookUrl"/> answers plain text "ok" or a status-coded error, like Slack's.
/// </summary>
public sealed class FakeSlackServer : LoopbackHttpServer
{
    private static readonly HashSet<string> BlockTypes = ["header", "section", "image", "context", "divider", "actions", "rich_text"];

    private readonly object _gate = new();
    private readonly List<SlackApiCall> _calls = [];
    private readonly Dictionary<string, SlackPostedMessage> _messages = [];
    private readonly Dictionary<string, SlackFile> _files = [];
    private readonly Dictionary<string, DateTimeOffset> _lastPost = [];
    private readonly Queue<(int Status, string Body, string? RetryAfter)> _scripted = new();
    private readonly Dictionary<string, (int Occurrence, string Error)> _failAt = new(StringComparer.Ordinal);
    private long _tsCounter;
    private int _fileCounter;

    private FakeSlackServer(string token, IReadOnlyCollection<string> channels, TimeProvider clock)
    {
        Token = token;
        Channels = channels;
        Clock = clock;
    }

    public static async Task<FakeSlackServer> StartAsync(string token = "xoxb-fake-slack-token", IReadOnlyCollection<string>? channels = null,
        TimeProvider? clock = null)
    {
        var server = new FakeSlackServer(token, channels ?? ["C0ALERTS"], clock ?? TimeProvider.System);
        await server.StartServerAsync();
        return server;
    }

    public string Token { get; }
    public IReadOnlyCollection<string> Channels { get; }
    public TimeProvider Clock { get; }

    /// <summary>The minimum gap between two chat.postMessage calls to one channel.</summary>
    public TimeSpan PostInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether chat.postMessage calls closer than <see cref="PostInterval"/> get 429.</summary>
    public bool EnforcePace { get; set; } = true;

    /// <summary>The Web API base URL (the channel's <c>api_url</c>).</summary>
    public Uri ApiUrl => new(BaseUrl, "api/");

    /// <summary>The incoming webhook URL of <see cref="Channels"/>' first channel (its last segment is the secret).</summary>
    public Uri IncomingWebhookUrl => new(BaseUrl, "services/T0FAKE/B0FAKE/" + WebhookSecret);

    public string WebhookSecret { get; } = "fakeWebhookSecret0123456789";

    /// <summary>Every call to the Web API, upload URL and webhook, in order, with the answer given.</summary>
    public IReadOnlyList<SlackApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToList();
            }
        }
    }

    /// <summary>Messages (top level and replies) by ts, with their latest content.</summary>
    public IReadOnlyList<SlackPostedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.Values.OrderBy(m => m.Ts, StringComparer.Ordinal).ToList();
            }
        }
    }

    public IReadOnlyList<SlackFile> Files
    {
        get
        {
            lock (_gate)
            {
                return _files.Values.ToList();
            }
        }
    }

    /// <summary>The next call (any method) gets this answer instead of being processed.</summary>
    public void RespondNext(int status, string body, string? retryAfter = null)
    {
        lock (_gate)
        {
            _scripted.Enqueue((status, body, retryAfter));
        }
    }

    /// <summary>The <paramref name="occurrence"/>-th call (1-based, counting from now) of <paramref name="method"/>
    /// (such as "files.getUploadURLExternal") fails with <c>{"ok":false,"error":error}</c>.</summary>
    public void FailCall(string method, int occurrence, string error)
    {
        lock (_gate)
        {
            _failAt[method] = (_calls.Count(c => c.Method == method) + occurrence, error);
        }
    }

    /// <summary>The next Web API call fails with <c>{"ok":false,"error":error}</c>.</summary>
    public void FailNext(string error) => RespondNext(200, $$"""{"ok":false,"error":"{{error}}"}""");

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = await ReceivedRequest.ReadAsync(context.Request);
        Answer answer;
        lock (_gate)
        {
            var method = (context.Request.Path.Value ?? "").Replace("/api/", "", StringComparison.Ordinal);
            if (_failAt.TryGetValue(method, out var failAt) && _calls.Count(c => c.Method == method) + 1 == failAt.Occurrence)
            {
                _failAt.Remove(method);
                answer = Error(failAt.Error);
            }
            else
            {
                answer = _scripted.Count > 0 ? Scripted(_scripted.Dequeue()) : Dispatch(context.Request, request);
            }

            _calls.Add(new SlackApiCall(context.Request.Path.Value ?? "", request, answer.Status, answer.Body));
        }

        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        }

        context.Response.ContentType = answer.ContentType;
        await context.Response.WriteAsync(answer.Body);

        static Answer Scripted((int Status, string Body, string? RetryAfter) s) =>
            new(s.Status, s.Body, s.Body.StartsWith('{') ? "application/json; charset=utf-8" : "text/plain", s.RetryAfter);
    }

    private Answer Dispatch(HttpRequest http, ReceivedRequest request)
    {
        var path = http.Path.Value ?? "";
        if (path.StartsWith("/services/", StringComparison.Ordinal))
        {
            return IncomingWebhook(path, request);
        }

        if (path.StartsWith("/upload/", StringComparison.Ordinal))
        {
            return Upload(path["/upload/".Length..], request);
        }

        if (!path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return new Answer(404, "not found", "text/plain");
        }

        var auth = request.Header("authorization");
        if (auth is null)
        {
            return Error("not_authed");
        }

        if (auth != "Bearer " + Token)
        {
            return Error("invalid_auth");
        }

        JsonObject args;
        try
        {
            args = ReadArguments(http, request);
        }
        catch (JsonException)
        {
            return Error("invalid_json");
        }

        return path["/api/".Length..] switch
        {
            "chat.postMessage" => PostMessage(args),
            "chat.update" => Update(args),
            "files.getUploadURLExternal" => GetUploadUrl(args),
            "files.completeUploadExternal" => CompleteUpload(args),
            _ => Error("unknown_method"),
        };
    }

    private static JsonObject ReadArguments(HttpRequest http, ReceivedRequest request)
    {
        var type = http.ContentType ?? "";
        if (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return JsonNode.Parse(request.BodyText) as JsonObject ?? throw new JsonException("not an object");
        }

        if (type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var result = new JsonObject();
            foreach (var (k, v) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + request.BodyText))
            {
                result[k] = v.ToString();
            }

            return result;
        }

        return [];
    }

    private Answer PostMessage(JsonObject args)
    {
        var channel = Str(args, "channel");
        if (channel is null || !Channels.Contains(channel))
        {
            return Error("channel_not_found");
        }

        var now = Clock.GetUtcNow();
        if (EnforcePace && _lastPost.TryGetValue(channel, out var last) && now - last < PostInterval)
        {
            return new Answer(429, """{"ok":false,"error":"ratelimited"}""", "application/json; charset=utf-8",
                Math.Max(1, (int)Math.Ceiling((PostInterval - (now - last)).TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        }

        var check = CheckContent(args);
        if (check is not null)
        {
            return Error(check);
        }

        var threadTs = Str(args, "thread_ts");
        if (threadTs is not null && (!_messages.TryGetValue(threadTs, out var parent) || parent.Channel != channel || parent.ThreadTs is not null))
        {
            return Error("thread_not_found");
        }

        _lastPost[channel] = now;
        var ts = NextTs(now);
        _messages[ts] = new SlackPostedMessage(channel, ts, threadTs, Str(args, "text") ?? "", args["blocks"]?.ToJsonString(), 0);
        return Ok(new JsonObject { ["channel"] = channel, ["ts"] = ts });
    }

    private Answer Update(JsonObject args)
    {
        var channel = Str(args, "channel");
        if (channel is null || !Channels.Contains(channel))
        {
            return Error("channel_not_found");
        }

        var ts = Str(args, "ts");
        if (ts is null || !_messages.TryGetValue(ts, out var message) || message.Channel != channel)
        {
            return Error("message_not_found");
        }

        var check = CheckContent(args);
        if (check is not null)
        {
            return Error(check);
        }

        _messages[ts] = message with { Text = Str(args, "text") ?? "", BlocksJson = args["blocks"]?.ToJsonString(), Updates = message.Updates + 1 };
        return Ok(new JsonObject { ["channel"] = channel, ["ts"] = ts });
    }

    private Answer GetUploadUrl(JsonObject args)
    {
        var filename = Str(args, "filename");
        if (string.IsNullOrEmpty(filename) || !long.TryParse(Str(args, "length"), out var length) || length <= 0)
        {
            return Error("invalid_arguments");
        }

        var id = $"F{++_fileCounter:D8}";
        _files[id] = new SlackFile(id, filename, length, null, null, null, null);
        return Ok(new JsonObject { ["upload_url"] = new Uri(BaseUrl, "upload/" + id).ToString(), ["file_id"] = id });
    }

    private Answer Upload(string id, ReceivedRequest request)
    {
        if (!_files.TryGetValue(id, out var file))
        {
            return new Answer(404, "file not found", "text/plain");
        }

        if (request.Body.Length != file.Length)
        {
            return new Answer(400, $"expected {file.Length} bytes, got {request.Body.Length}", "text/plain");
        }

        _files[id] = file with { Content = request.Body };
        return new Answer(200, "OK - " + request.Body.Length, "text/plain");
    }

    private Answer CompleteUpload(JsonObject args)
    {
        JsonArray? files;
        try
        {
            files = args["files"] switch
            {
                JsonArray a => a,
                JsonValue v when v.TryGetValue<string>(out var s) => JsonNode.Parse(s) as JsonArray,
                _ => null,
            };
        }
        catch (JsonException)
        {
            files = null;
        }

        if (files is null || files.Count == 0)
        {
            return Error("invalid_arguments");
        }

        var channel = Str(args, "channel_id");
        if (channel is not null && !Channels.Contains(channel))
        {
            return Error("channel_not_found");
        }

        var threadTs = Str(args, "thread_ts");
        if (threadTs is not null && (!_messages.TryGetValue(threadTs, out var parent) || parent.Channel != channel))
        {
            return Error("invalid_thread_ts");
        }

        foreach (var f in files)
        {
            var id = f?["id"]?.GetValue<string>();
            if (id is null || !_files.TryGetValue(id, out var file) || file.Content is null)
            {
                // Slack refuses to complete a file whose bytes never reached the upload URL.
                return Error("file_upload_not_found");
            }

            _files[id] = file with { Title = f!["title"]?.GetValue<string>(), Channel = channel, ThreadTs = threadTs };
        }

        return Ok(new JsonObject { ["files"] = new JsonArray(files.Select(f => (JsonNode?)new JsonObject { ["id"] = f!["id"]!.GetValue<string>() }).ToArray()) });
    }

    private Answer IncomingWebhook(string path, ReceivedRequest request)
    {
        if (path != IncomingWebhookUrl.AbsolutePath)
        {
            return new Answer(403, "invalid_token", "text/plain");
        }

        JsonObject? args;
        try
        {
            args = JsonNode.Parse(request.BodyText) as JsonObject;
        }
        catch (JsonException)
        {
            args = null;
        }

        if (args is null)
        {
            return new Answer(400, "invalid_payload", "text/plain");
        }

        var check = CheckContent(args);
        if (check is not null)
        {
            return new Answer(400, check, "text/plain");
        }

        var channel = Channels.First();
        var now = Clock.GetUtcNow();
        if (EnforcePace && _lastPost.TryGetValue(channel, out var last) && now - last < PostInterval)
        {
            return new Answer(429, "rate_limited", "text/plain", "1");
        }

        _lastPost[channel] = now;
        var ts = NextTs(now);
        _messages[ts] = new SlackPostedMessage(channel, ts, null, Str(args, "text") ?? "", args["blocks"]?.ToJsonString(), 0);
        return new Answer(200, "ok", "text/plain");
    }

    /// <summary>Checks text and blocks like Slack: returns the error code, or null when acceptable.</summary>
    private static string? CheckContent(JsonObject args)
    {
        var text = Str(args, "text");
        var blocks = args["blocks"];
        if (blocks is JsonValue v && v.TryGetValue<string>(out var s))
        {
            blocks = JsonNode.Parse(s);
        }

        if (blocks is null)
        {
            return string.IsNullOrEmpty(text) ? "no_text" : text.Length > 40_000 ? "msg_too_long" : null;
        }

        if (blocks is not JsonArray array || array.Count == 0 || array.Count > 50)
        {
            return "invalid_blocks";
        }

        return array.All(b => b is JsonObject o && BlockIsValid(o)) ? null : "invalid_blocks";
    }

    private static bool BlockIsValid(JsonObject block)
    {
        var type = Str(block, "type");
        if (type is null || !BlockTypes.Contains(type) || (Str(block, "block_id") is { Length: > 255 }))
        {
            return false;
        }

        switch (type)
        {
            case "header":
                return TextObject(block["text"], 150, plainOnly: true);
            case "section":
                var hasText = block["text"] is not null;
                var fields = block["fields"] as JsonArray;
                if (!hasText && fields is null)
                {
                    return false;
                }

                return (!hasText || TextObject(block["text"], 3000, false))
                       && (fields is null || (fields.Count is > 0 and <= 10 && fields.All(f => TextObject(f, 2000, false))));
            case "image":
                var alt = Str(block, "alt_text");
                var url = Str(block, "image_url");
                var file = block["slack_file"];
                if (string.IsNullOrEmpty(alt) || alt.Length > 2000 || (url is null) == (file is null))
                {
                    return false;
                }

                if (url is not null && (url.Length > 3000 || !Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != "https" && u.Scheme != "http")))
                {
                    return false;
                }

                return block["title"] is null || TextObject(block["title"], 2000, plainOnly: true);
            case "context":
                return block["elements"] is JsonArray { Count: > 0 and <= 10 } elements
                       && elements.All(e => e is JsonObject eo && (Str(eo, "type") == "image" || TextObject(eo, 3000, false)));
            default:
                return true;
        }
    }

    private static bool TextObject(JsonNode? node, int maxLength, bool plainOnly)
    {
        if (node is not JsonObject o)
        {
            return false;
        }

        var type = Str(o, "type");
        var text = Str(o, "text");
        return (type == "plain_text" || (!plainOnly && type == "mrkdwn")) && !string.IsNullOrEmpty(text) && text.Length <= maxLength;
    }

    private string NextTs(DateTimeOffset now) =>
        $"{now.ToUnixTimeSeconds()}.{++_tsCounter:D6}";

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : o[name] is JsonValue n ? n.ToJsonString() : null;

    private static Answer Ok(JsonObject body)
    {
        body["ok"] = true;
        return new Answer(200, body.ToJsonString(), "application/json; charset=utf-8");
    }

    private static Answer Error(string error) =>
        new(200, $$"""{"ok":false,"error":"{{error}}"}""", "application/json; charset=utf-8");

    private sealed record Answer(int Status, string Body, string ContentType, string? RetryAfter = null);
}

/// <summary>One call the fake Slack received (path such as "/api/chat.postMessage") and the status it answered.</summary>
public sealed record SlackApiCall(string Path, ReceivedRequest Request, int Status, string ResponseBody)
{
    public string Method => Path.StartsWith("/api/", StringComparison.Ordinal) ? Path["/api/".Length..] : Path;

    public bool Ok => Status == 200 && (ResponseBody == "ok" || ResponseBody.StartsWith("OK", StringComparison.Ordinal) || ResponseBody.Contains("\"ok\":true", StringComparison.Ordinal));
}

/// <summary>A message in the fake Slack: <see cref="ThreadTs"/> is the parent's ts for a reply.</summary>
public sealed record SlackPostedMessage(string Channel, string Ts, string? ThreadTs, string Text, string? BlocksJson, int Updates);

/// <summary>A file uploaded through the external upload flow.</summary>
public sealed record SlackFile(string Id, string Filename, long Length, byte[]? Content, string? Title, string? Channel, string? ThreadTs);
