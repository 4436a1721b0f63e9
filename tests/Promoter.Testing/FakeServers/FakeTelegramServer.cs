using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local Telegram Bot API that checks what Telegram checks: the bot token in the path (<c>/bot{token}/{method}</c>;
/// a malformed token answers 404, a well-formed unknown one 401), a Content-Length on every request, known chats
/// and forum topics, the parse mode's syntax (HTML tags and entities, MarkdownV2's reserved characters, which must
/// be escaped), the 4,096-character message and 1,024-character caption limits counted on the text after entity
/// parsing, <c>sendPhoto</c>'s <c>photo</c> as a multipart file (a real PNG or JPEG, 10 MB at most) or an http(s)
/// URL, and replies to messages that exist (unless <c>allow_sending_without_reply</c>). Errors come as
/// <c>{"ok":false,"error_code":…,"description":"Bad Request: …"}</c> with the same HTTP status; a 429 carries
/// <c>parameters.retry_after</c>.
/// </summary>
public sealed class FakeTelegramServer : LoopbackHttpServer
{
    public const int MessageLimit = 4096;
    public const int CaptionLimit = 1024;
    public const int MaxPhotoBytes = 10 * 1000 * 1000;

    private static readonly HashSet<string> HtmlTags = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"];

    private readonly object _gate = new();
    private readonly List<TelegramCall> _calls = [];
    private readonly List<TelegramMessage> _messages = [];
    private readonly Queue<(int Status, string Body)> _scripted = new();
    private readonly Dictionary<int, (int Status, string Body)> _scriptedAt = [];
    private long _nextId = 100;

    private FakeTelegramServer(string token, long chatId, string? chatUsername, IReadOnlyCollection<long> topics)
    {
        Token = token;
        ChatId = chatId;
        ChatUsername = chatUsername;
        Topics = topics;
    }

    public static async Task<FakeTelegramServer> StartAsync(string token = "123456789:AAfakeTelegramBotTokenForTests_0123456", long chatId = -1001234567890,
        string? chatUsername = "@promoter_alerts", IReadOnlyCollection<long>? topics = null)
    {
        var server = new FakeTelegramServer(token, chatId, chatUsername, topics ?? [7]);
        await server.StartServerAsync();
        return server;
    }

    public string Token { get; }
    public long ChatId { get; }
    public string? ChatUsername { get; }
    public IReadOnlyCollection<long> Topics { get; }

    /// <summary>The channel's <c>api_url</c>.</summary>
    public Uri ApiUrl => BaseUrl;

    public IReadOnlyList<TelegramCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToList();
            }
        }
    }

    public IReadOnlyList<TelegramMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToList();
            }
        }
    }

    /// <summary>The next call gets this answer instead of being processed.</summary>
    public void RespondNext(int status, string body)
    {
        lock (_gate)
        {
            _scripted.Enqueue((status, body));
        }
    }

    /// <summary>The <paramref name="callsFromNow"/>-th call from now (1 = the next) gets this answer instead of being processed.</summary>
    public void RespondAt(int callsFromNow, int status, string body)
    {
        lock (_gate)
        {
            _scriptedAt[_calls.Count + callsFromNow] = (status, body);
        }
    }

    /// <summary>The next call is refused the way Telegram throttles: 429 with <c>parameters.retry_after</c>.</summary>
    public void RateLimitNext(int retryAfterSeconds) => RespondNext(429,
        new JsonObject
    {
        ["ok"] = false, ["error_code"] = 429, ["description"] = $"Too Many Requests: retry after {retryAfterSeconds}",
        ["parameters"] = new JsonObject { ["retry_after"] = retryAfterSeconds },
    }.ToJsonString());

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = await ReceivedRequest.ReadAsync(context.Request);
        (int Status, string Body) answer;
        string method;
        lock (_gate)
        {
            method = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            answer = _scriptedAt.Remove(_calls.Count + 1, out var at) ? at
                : _scripted.Count > 0 ? _scripted.Dequeue() : Dispatch(context.Request, request);
            _calls.Add(new TelegramCall(method, request, answer.Status, answer.Body));
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Body);
    }

    private (int, string) Dispatch(HttpRequest http, ReceivedRequest request)
    {
        var segments = (http.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length != 2 || !segments[0].StartsWith("bot", StringComparison.Ordinal))
        {
            return Error(404, "Not Found");
        }

        var token = segments[0][3..];
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !token[..colon].All(char.IsAsciiDigit) || token.Length - colon - 1 < 30)
        {
            return Error(404, "Not Found");
        }

        if (token != Token)
        {
            return Error(401, "Unauthorized");
        }

        if (request.Header("content-length") is null)
        {
            return (411, """{"ok":false,"error_code":411,"description":"Length Required"}""");
        }

        Dictionary<string, string> args;
        IFormFileCollection? files;
        try
        {
            (args, files) = ReadArguments(http, request);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
        {
            return Error(400, "Bad Request: can't parse request body");
        }

        return segments[1] switch
        {
            "sendMessage" => Send(args, null, photoFile: null, isPhoto: false),
            "sendPhoto" => Send(args, args.GetValueOrDefault("photo"), files?.GetFile("photo"), isPhoto: true),
            "sendMediaGroup" => SendMediaGroup(args, files),
            "getMe" => (200, """{"ok":true,"result":{"is_bot":true,"first_name":"Promoter"}}"""),
            _ => Error(404, "Not Found: method not found"),
        };
    }

    /// <summary>sendMediaGroup: 2-10 InputMediaPhoto items in <c>media</c>, each <c>attach://&lt;part&gt;</c> or a URL, each
    /// checked like a sendPhoto; all are refused if one is; the answer is the array of messages.</summary>
    private (int, string) SendMediaGroup(Dictionary<string, string> args, IFormFileCollection? files)
    {
        JsonArray? media;
        try
        {
            media = args.TryGetValue("media", out var json) ? JsonNode.Parse(json) as JsonArray : null;
        }
        catch (JsonException)
        {
            return Error(400, "Bad Request: can't parse media JSON object");
        }

        if (media is null || media.Count is < 2 or > 10)
        {
            return Error(400, "Bad Request: wrong number of media: an album holds 2 to 10 items");
        }

        var items = new List<(Dictionary<string, string> Args, string? Photo, IFormFile? File)>();
        foreach (var node in media)
        {
            if (node is not JsonObject item || item["type"]?.GetValue<string>() != "photo" || item["media"] is not JsonValue m || !m.TryGetValue<string>(out var target))
            {
                return Error(400, "Bad Request: can't parse InputMedia: media is not a photo");
            }

            var itemArgs = new Dictionary<string, string>(args, StringComparer.Ordinal);
            itemArgs.Remove("media");
            itemArgs.Remove("parse_mode");
            foreach (var key in new[] { "caption", "parse_mode" })
            {
                if (item[key] is JsonValue v && v.TryGetValue<string>(out var value))
                {
                    itemArgs[key] = value;
                }
            }

            IFormFile? file = null;
            if (target.StartsWith("attach://", StringComparison.Ordinal))
            {
                file = files?.GetFile(target["attach://".Length..]);
                if (file is null)
                {
                    return Error(400, "Bad Request: failed to send message #1 with the error message \"Bad Request: file must be non-empty\"");
                }
            }

            items.Add((itemArgs, file is null ? target : null, file));
        }

        foreach (var (itemArgs, photo, file) in items)
        {
            var (status, body) = Send(itemArgs, photo, file, isPhoto: true, dryRun: true);
            if (status != 200)
            {
                return (status, body);
            }
        }

        var results = new JsonArray();
        foreach (var (itemArgs, photo, file) in items)
        {
            var (_, body) = Send(itemArgs, photo, file, isPhoto: true);
            results.Add(JsonNode.Parse(body)!["result"]!.DeepClone());
        }

        return (200, new JsonObject { ["ok"] = true, ["result"] = results }.ToJsonString());
    }

    private (int, string) Send(Dictionary<string, string> args, string? photoText, IFormFile? photoFile, bool isPhoto, bool dryRun = false)
    {
        if (!args.TryGetValue("chat_id", out var chat) || chat.Length == 0)
        {
            return Error(400, "Bad Request: chat_id is empty");
        }

        if (chat != ChatId.ToString(CultureInfo.InvariantCulture) && chat != ChatUsername)
        {
            return Error(400, "Bad Request: chat not found");
        }

        long? thread = null;
        if (args.TryGetValue("message_thread_id", out var threadText))
        {
            if (!long.TryParse(threadText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) || !Topics.Contains(t))
            {
                return Error(400, "Bad Request: message thread not found");
            }

            thread = t;
        }

        var parseMode = args.GetValueOrDefault("parse_mode");
        if (parseMode is not (null or "" or "HTML" or "MarkdownV2" or "Markdown"))
        {
            return Error(400, "Bad Request: unsupported parse_mode");
        }

        var raw = args.GetValueOrDefault(isPhoto ? "caption" : "text") ?? "";
        string visible;
        try
        {
            visible = parseMode switch
            {
                "HTML" => ParseHtml(raw),
                "MarkdownV2" => ParseMarkdownV2(raw),
                _ => raw,
            };
        }
        catch (FormatException e)
        {
            return Error(400, "Bad Request: can't parse entities: " + e.Message);
        }

        if (!isPhoto && visible.Trim().Length == 0)
        {
            return Error(400, "Bad Request: message text is empty");
        }

        if (!isPhoto && visible.Length > MessageLimit)
        {
            return Error(400, "Bad Request: message is too long");
        }

        if (isPhoto && visible.Length > CaptionLimit)
        {
            return Error(400, "Bad Request: message caption is too long");
        }

        long? replyTo = null;
        if (args.TryGetValue("reply_parameters", out var replyJson))
        {
            JsonObject? reply;
            try
            {
                reply = JsonNode.Parse(replyJson) as JsonObject;
            }
            catch (JsonException)
            {
                return Error(400, "Bad Request: can't parse reply parameters JSON object");
            }

            if (reply?["message_id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var replyId))
            {
                return Error(400, "Bad Request: field \"message_id\" must be of type Integer");
            }

            var lenient = reply["allow_sending_without_reply"] is JsonValue l && l.TryGetValue<bool>(out var allow) && allow;
            if (_messages.Any(m => m.Id == replyId))
            {
                replyTo = replyId;
            }
            else if (!lenient)
            {
                return Error(400, "Bad Request: message to be replied not found");
            }
        }

        byte[]? photo = null;
        string? photoUrl = null;
        if (isPhoto)
        {
            if (photoFile is not null)
            {
                if (photoFile.Length > MaxPhotoBytes)
                {
                    return Error(400, "Bad Request: file is too big");
                }

                using var ms = new MemoryStream();
                photoFile.CopyTo(ms);
                photo = ms.ToArray();
                if (!IsPng(photo) && !IsJpeg(photo))
                {
                    return Error(400, "Bad Request: IMAGE_PROCESS_FAILED");
                }
            }
            else if (photoText is not null && Uri.TryCreate(photoText, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https"))
            {
                photoUrl = photoText;
            }
            else if (photoText is not null && photoText.StartsWith("attach://", StringComparison.Ordinal))
            {
                return Error(400, "Bad Request: there is no photo in the request");
            }
            else
            {
                return Error(400, photoText is null ? "Bad Request: there is no photo in the request" : "Bad Request: wrong remote file identifier specified");
            }
        }

        if (dryRun)
        {
            return (200, "");
        }

        var id = ++_nextId;
        var message = new TelegramMessage(id, ChatId, thread, replyTo, isPhoto ? "sendPhoto" : "sendMessage", parseMode, raw, visible, photo, photoUrl,
            args.GetValueOrDefault("disable_notification") == "true");
        _messages.Add(message);
        var result = new JsonObject
        {
            ["message_id"] = id,
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["chat"] = new JsonObject { ["id"] = ChatId, ["type"] = "supergroup", ["title"] = "alerts" },
        };
        if (thread is not null)
        {
            result["message_thread_id"] = thread;
        }

        result[isPhoto ? "caption" : "text"] = visible;
        return (200, new JsonObject { ["ok"] = true, ["result"] = result }.ToJsonString());
    }

    /// <summary>Telegram's HTML: only its tags, balanced, and '&lt;', '&gt;', '&amp;' written as entities.</summary>
    public static string ParseHtml(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var visible = new StringBuilder();
        var open = new Stack<string>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '<')
            {
                var end = text.IndexOf('>', i);
                if (end < 0)
                {
                    throw new FormatException($"Unclosed start tag at byte offset {i}");
                }

                var tag = text[(i + 1)..end];
                if (tag.StartsWith('/'))
                {
                    var name = tag[1..].Trim();
                    if (open.Count == 0 || open.Pop() != name)
                    {
                        throw new FormatException($"Unexpected end tag at byte offset {i}");
                    }
                }
                else
                {
                    var name = tag.Split(' ', 2)[0];
                    if (!HtmlTags.Contains(name))
                    {
                        throw new FormatException($"Unsupported start tag \"{name}\" at byte offset {i}");
                    }

                    if (name == "a")
                    {
                        var href = System.Text.RegularExpressions.Regex.Match(tag, "^a\\s+href=\"([^\"]*)\"$");
                        if (!href.Success || !Uri.TryCreate(System.Net.WebUtility.HtmlDecode(href.Groups[1].Value), UriKind.Absolute, out _))
                        {
                            throw new FormatException($"Bad link at byte offset {i}");
                        }
                    }

                    open.Push(name);
                }

                i = end;
            }
            else if (c == '&')
            {
                var end = text.IndexOf(';', i);
                var entity = end < 0 ? "" : text[i..(end + 1)];
                var decoded = entity switch
                {
                    "&lt;" => "<",
                    "&gt;" => ">",
                    "&amp;" => "&",
                    "&quot;" => "\"",
                    _ when entity.StartsWith("&#", StringComparison.Ordinal) && int.TryParse(entity[2..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) => char.ConvertFromUtf32(n),
                    _ => throw new FormatException($"Can't find end of the entity starting at byte offset {i}"),
                };
                visible.Append(decoded);
                i = end;
            }
            else if (c == '>')
            {
                throw new FormatException($"Unexpected character '>' at byte offset {i}: escape it as &gt;");
            }
            else
            {
                visible.Append(c);
            }
        }

        if (open.Count > 0)
        {
            throw new FormatException($"Can't find end tag corresponding to start tag \"{open.Peek()}\"");
        }

        return visible.ToString();
    }

    /// <summary>MarkdownV2: every reserved character outside an entity escaped by '\'; entities balanced.</summary>
    public static string ParseMarkdownV2(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string reserved = "_*[]()~`>#+-=|{}.!";
        var visible = new StringBuilder();
        var open = new Stack<string>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 >= text.Length || text[i + 1] > 126)
                {
                    throw new FormatException($"Character '\\' is reserved and must be escaped with the preceding '\\'");
                }

                visible.Append(text[++i]);
            }
            else if (c is '*' or '~' or '_' or '|')
            {
                var marker = c.ToString();
                if ((c is '_' or '|') && i + 1 < text.Length && text[i + 1] == c)
                {
                    marker += c;
                    i++;
                }
                else if (c == '|')
                {
                    throw new FormatException("Character '|' is reserved and must be escaped with the preceding '\\'");
                }

                if (open.Count > 0 && open.Peek() == marker)
                {
                    open.Pop();
                }
                else
                {
                    open.Push(marker);
                }
            }
            else if (c == '`')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != '`')
                {
                    end += text[end] == '\\' ? 2 : 1;
                }

                if (end >= text.Length)
                {
                    throw new FormatException("Can't find end of Code entity");
                }

                visible.Append(text[(i + 1)..end].Replace("\\`", "`", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal));
                i = end;
            }
            else if (c == '[')
            {
                open.Push("[");
            }
            else if (c == ']' && open.Count > 0 && open.Peek() == "[")
            {
                open.Pop();
                if (i + 1 >= text.Length || text[i + 1] != '(')
                {
                    throw new FormatException("Character ']' is reserved and must be escaped with the preceding '\\'");
                }

                var end = i + 2;
                var url = new StringBuilder();
                while (end < text.Length && text[end] != ')')
                {
                    if (text[end] == '\\' && end + 1 < text.Length)
                    {
                        end++;
                    }

                    url.Append(text[end]);
                    end++;
                }

                if (end >= text.Length || !Uri.TryCreate(url.ToString(), UriKind.Absolute, out _))
                {
                    throw new FormatException("Can't find end of a URL");
                }

                i = end;
            }
            else if (reserved.Contains(c, StringComparison.Ordinal))
            {
                throw new FormatException($"Character '{c}' is reserved and must be escaped with the preceding '\\'");
            }
            else
            {
                visible.Append(c);
            }
        }

        if (open.Count > 0)
        {
            throw new FormatException($"Can't find end of {open.Peek()} entity");
        }

        return visible.ToString();
    }

    private static (Dictionary<string, string> Args, IFormFileCollection? Files) ReadArguments(HttpRequest http, ReceivedRequest request)
    {
        var type = http.ContentType ?? "";
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            var json = JsonNode.Parse(request.BodyText) as JsonObject ?? throw new JsonException("not an object");
            foreach (var (k, v) in json)
            {
                args[k] = v is JsonValue value && value.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
            }

            return (args, null);
        }

        if (type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            http.Body = new MemoryStream(request.Body);
            var form = http.ReadFormAsync().GetAwaiter().GetResult();
            foreach (var (k, v) in form)
            {
                args[k] = v.ToString();
            }

            return (args, form.Files);
        }

        if (type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (k, v) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + request.BodyText))
            {
                args[k] = v.ToString();
            }
        }

        return (args, null);
    }

    private static bool IsPng(byte[] b) => b.Length > 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G';

    private static bool IsJpeg(byte[] b) => b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8;

    private static (int, string) Error(int code, string description) =>
        (code, new JsonObject { ["ok"] = false, ["error_code"] = code, ["description"] = description }.ToJsonString());
}

/// <summary>One call to the fake Bot API, with the answer given.</summary>
public sealed record TelegramCall(string Method, ReceivedRequest Request, int Status, string ResponseBody)
{
    public bool Ok => Status == 200;
}

/// <summary>A message the fake Bot API accepted: its raw text (or caption) in the parse mode and the text as shown.</summary>
public sealed record TelegramMessage(long Id, long Chat, long? ThreadId, long? ReplyTo, string Method, string? ParseMode, string RawText, string VisibleText,
    byte[]? Photo, string? PhotoUrl, bool Silent);
