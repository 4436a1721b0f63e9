using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local Feishu: the custom bot webhook (POST /open-apis/bot/v2/hook/&lt;token&gt;) and the self-built app APIs a
/// channel uses for charts (tenant_access_token/internal, im/v1/images). It checks what Feishu checks: the bot
/// token (19001), the signature in the body (HMAC-SHA256 keyed with "timestamp\nsecret" over an empty message) and
/// its one-hour window (19021), the 20 KB body limit (9499), the card's basic schema (header title and colour,
/// known element tags, img_keys this server issued, URL buttons), 100 messages a minute and 5 a second (11232);
/// the app's credentials, the token's lifetime (99991663 once expired) and the upload's form (image_type=message,
/// a PNG/JPEG ≤ 10 MB). Bot errors come, as in Feishu, as HTTP 200 with a <c>code</c>.
/// </summary>
public sealed class FakeFeishuServer : LoopbackHttpServer
{
    public const int MaxBodyBytes = 20 * 1024;
    public const int MaxImageBytes = 10 * 1024 * 1024;

    private static readonly HashSet<string> Colours = ["blue", "wathet", "turquoise", "green", "yellow", "orange", "red", "carmine", "violet", "purple", "indigo", "grey", "default"];
    private static readonly HashSet<string> ElementTags = ["div", "markdown", "hr", "img", "action", "note", "column_set"];

    private readonly object _gate = new();
    private readonly List<FeishuReceivedMessage> _messages = [];
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<int> _answers = [];
    private readonly List<DateTimeOffset> _accepted = [];
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _images = new(StringComparer.Ordinal);
    private readonly Queue<(int Status, int Code, string Msg)> _scripted = new();

    private FakeFeishuServer(string botToken, string? secret, string appId, string appSecret, TimeSpan tokenLifetime, TimeProvider clock)
    {
        BotToken = botToken;
        Secret = secret;
        AppId = appId;
        AppSecret = appSecret;
        TokenLifetime = tokenLifetime;
        Clock = clock;
    }

    /// <param name="botToken">The custom bot's token (the last path segment of its webhook).</param>
    /// <param name="secret">The bot's signing secret; when set, unsigned messages are refused.</param>
    /// <param name="appId">The self-built app's id for the token API.</param>
    /// <param name="appSecret">The app's secret.</param>
    /// <param name="tokenLifetime">How long a tenant access token lives (Feishu: about 2 hours).</param>
    /// <param name="clock">The server's clock (share a ManualTimeProvider with the channel to test windows and limits).</param>
    public static async Task<FakeFeishuServer> StartAsync(string botToken = "fake-feishu-bot", string? secret = null, string appId = "cli_fakeapp",
        string appSecret = "fake-app-secret", TimeSpan? tokenLifetime = null, TimeProvider? clock = null)
    {
        var server = new FakeFeishuServer(botToken, secret, appId, appSecret, tokenLifetime ?? TimeSpan.FromHours(2), clock ?? TimeProvider.System);
        await server.StartServerAsync();
        return server;
    }

    public string BotToken { get; }
    public string? Secret { get; }
    public string AppId { get; }
    public string AppSecret { get; }
    public TimeSpan TokenLifetime { get; }
    public TimeProvider Clock { get; }

    /// <summary>The bot webhook a channel is configured with.</summary>
    public Uri BotUrl => new(BaseUrl, $"open-apis/bot/v2/hook/{Uri.EscapeDataString(BotToken)}");

    /// <summary>Bot messages accepted (code 0), in order.</summary>
    public IReadOnlyList<FeishuReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToList();
            }
        }
    }

    /// <summary>Every request (bot and app APIs), accepted or not.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>Every code the bot webhook answered (0 for accepted), in order.</summary>
    public IReadOnlyList<int> Answers
    {
        get
        {
            lock (_gate)
            {
                return _answers.ToList();
            }
        }
    }

    /// <summary>How many tenant access tokens were issued.</summary>
    public int TokensIssued { get; private set; }

    /// <summary>The bytes uploaded under an image_key, or null.</summary>
    public byte[]? Image(string imageKey)
    {
        lock (_gate)
        {
            return _images.TryGetValue(imageKey, out var b) ? b : null;
        }
    }

    /// <summary>The next bot message gets this code (HTTP 200), whatever it holds.</summary>
    public void FailNext(int code, string msg)
    {
        lock (_gate)
        {
            _scripted.Enqueue((200, code, msg));
        }
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = await ReceivedRequest.ReadAsync(context.Request);
        int status;
        object answer;
        lock (_gate)
        {
            _requests.Add(request);
            var path = context.Request.Path.Value ?? "";
            if (path == "/open-apis/auth/v3/tenant_access_token/internal")
            {
                (status, answer) = Token(request);
            }
            else if (path == "/open-apis/im/v1/images")
            {
                (status, answer) = Upload(context.Request, request);
            }
            else if (path.StartsWith("/open-apis/bot/v2/hook/", StringComparison.Ordinal))
            {
                var (s, code, msg) = _scripted.Count > 0 ? _scripted.Dequeue() : Bot(path, request);
                _answers.Add(code);
                status = s;
                answer = code == 0
                    ? new Dictionary<string, object> { ["StatusCode"] = 0, ["StatusMessage"] = "success", ["code"] = 0, ["data"] = new Dictionary<string, object>(), ["msg"] = "success" }
                    : new Dictionary<string, object> { ["code"] = code, ["data"] = new Dictionary<string, object>(), ["msg"] = msg };
            }
            else
            {
                (status, answer) = (404, new Dictionary<string, object> { ["code"] = 404, ["msg"] = "not found" });
            }
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(answer));
    }

    private (int, object) Token(ReceivedRequest request)
    {
        string? id = null, secret = null;
        try
        {
            using var doc = JsonDocument.Parse(request.BodyText);
            id = doc.RootElement.GetProperty("app_id").GetString();
            secret = doc.RootElement.GetProperty("app_secret").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }

        if (id != AppId || secret != AppSecret)
        {
            return (200, new Dictionary<string, object> { ["code"] = 10014, ["msg"] = "app secret invalid" });
        }

        var token = "t-" + Guid.NewGuid().ToString("N");
        _tokens[token] = Clock.GetUtcNow() + TokenLifetime;
        TokensIssued++;
        return (200, new Dictionary<string, object> { ["code"] = 0, ["msg"] = "ok", ["tenant_access_token"] = token, ["expire"] = (int)TokenLifetime.TotalSeconds });
    }

    private (int, object) Upload(HttpRequest http, ReceivedRequest request)
    {
        static Dictionary<string, object> Error(int code, string msg) => new() { ["code"] = code, ["msg"] = msg };
        var auth = request.Header("authorization") ?? "";
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.TryGetValue(auth[7..], out var expires))
        {
            return (400, Error(99991663, "Invalid access token for authorization. Please make a request with token attached."));
        }

        if (Clock.GetUtcNow() >= expires)
        {
            return (400, Error(99991663, "Invalid access token for authorization (expired)."));
        }

        if (http.ContentType is null || !http.ContentType.StartsWith("multipart/form-data", StringComparison.Ordinal))
        {
            return (400, Error(234001, "Invalid request param: not multipart/form-data"));
        }

        var form = ParseMultipart(http.ContentType, request.Body);
        if (!form.TryGetValue("image_type", out var type) || Encoding.UTF8.GetString(type) != "message")
        {
            return (400, Error(234001, "Invalid request param: image_type"));
        }

        if (!form.TryGetValue("image", out var image) || image.Length == 0)
        {
            return (400, Error(234001, "Invalid request param: image"));
        }

        if (image.Length > MaxImageBytes)
        {
            return (400, Error(234006, "The file size exceeds the limit."));
        }

        if (!(image.Length > 8 && image[0] == 0x89 && image[1] == (byte)'P') && !(image.Length > 3 && image[0] == 0xFF && image[1] == 0xD8))
        {
            return (400, Error(234011, "Can't recognise image format."));
        }

        var key = $"img_v2_{_images.Count:D4}_{Guid.NewGuid():N}";
        _images[key] = image;
        return (200, new Dictionary<string, object> { ["code"] = 0, ["msg"] = "success", ["data"] = new Dictionary<string, object> { ["image_key"] = key } });
    }

    private (int, int, string) Bot(string path, ReceivedRequest request)
    {
        if (request.Method != "POST")
        {
            return (405, 9499, "Bad Request");
        }

        if (path["/open-apis/bot/v2/hook/".Length..] != BotToken)
        {
            return (200, 19001, "param invalid: incoming webhook access token invalid");
        }

        if (request.Header("content-length") is null)
        {
            // Not a Feishu rule, but Promoter's: requests are buffered and carry a Content-Length.
            return (411, 9499, "Bad Request (no Content-Length)");
        }

        if (request.Body.Length > MaxBodyBytes)
        {
            return (200, 9499, "Bad Request");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(request.BodyText);
        }
        catch (JsonException)
        {
            return (200, 9499, "Bad Request");
        }

        using (doc)
        {
            var root = doc.RootElement;
            var now = Clock.GetUtcNow();
            if (Secret is not null)
            {
                var ts = root.TryGetProperty("timestamp", out var t) ? t.GetString() ?? "" : "";
                var sign = root.TryGetProperty("sign", out var s) ? s.GetString() ?? "" : "";
                var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ts + "\n" + Secret), Array.Empty<byte>()));
                if (!long.TryParse(ts, out var seconds) || Math.Abs((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).TotalHours) > 1
                    || !string.Equals(sign, expected, StringComparison.Ordinal))
                {
                    return (200, 19021, "sign match fail or timestamp is not within one hour from current time");
                }
            }

            var type = root.TryGetProperty("msg_type", out var mt) ? mt.GetString() : null;
            string title, text;
            List<string> imageKeys = [];
            List<(string Text, string Url)> buttons = [];
            string colour;
            switch (type)
            {
                case "text":
                    title = "";
                    colour = "";
                    text = root.GetProperty("content").GetProperty("text").GetString() ?? "";
                    break;
                case "interactive":
                    if (CheckCard(root, out title, out text, out colour, imageKeys, buttons) is { } problem)
                    {
                        return (200, 11246, "create card content failed: " + problem);
                    }

                    break;
                default:
                    return (200, 19002, $"params error, msg_type {type} is not supported by this fake");
            }

            _accepted.RemoveAll(a => now - a >= TimeSpan.FromMinutes(1));
            if (_accepted.Count >= 100 || _accepted.Count(a => now - a < TimeSpan.FromSeconds(1)) >= 5)
            {
                return (200, 11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]");
            }

            _accepted.Add(now);
            _messages.Add(new FeishuReceivedMessage(type!, title, text, colour, imageKeys, buttons, request.BodyText, now));
            return (200, 0, "success");
        }
    }

    private string? CheckCard(JsonElement root, out string title, out string text, out string colour, List<string> imageKeys, List<(string, string)> buttons)
    {
        title = text = colour = "";
        if (!root.TryGetProperty("card", out var card) || card.ValueKind != JsonValueKind.Object)
        {
            return "an interactive message needs a card object";
        }

        if (!card.TryGetProperty("header", out var header) || !header.TryGetProperty("title", out var t) || t.GetProperty("tag").GetString() != "plain_text")
        {
            return "header.title must be a plain_text element";
        }

        title = t.GetProperty("content").GetString() ?? "";
        if (title.Length == 0)
        {
            return "header.title.content is empty";
        }

        colour = header.TryGetProperty("template", out var c) ? c.GetString() ?? "" : "default";
        if (!Colours.Contains(colour))
        {
            return $"header.template '{colour}' is not a card colour";
        }

        if (!card.TryGetProperty("elements", out var elements) || elements.ValueKind != JsonValueKind.Array || elements.GetArrayLength() == 0)
        {
            return "elements must be a non-empty array";
        }

        var sb = new StringBuilder();
        foreach (var e in elements.EnumerateArray())
        {
            var tag = e.GetProperty("tag").GetString() ?? "";
            if (!ElementTags.Contains(tag))
            {
                return $"unknown element tag '{tag}'";
            }

            switch (tag)
            {
                case "markdown":
                    sb.Append(e.GetProperty("content").GetString()).Append('\n');
                    break;
                case "div":
                    if (e.TryGetProperty("fields", out var fields))
                    {
                        foreach (var f in fields.EnumerateArray())
                        {
                            sb.Append(f.GetProperty("text").GetProperty("content").GetString()).Append('\n');
                        }
                    }

                    break;
                case "img":
                    var key = e.GetProperty("img_key").GetString() ?? "";
                    if (!_images.ContainsKey(key))
                    {
                        // Images in a card are image_keys of uploaded images, never URLs.
                        return $"img_key '{key}' is not an uploaded image";
                    }

                    if (!e.TryGetProperty("alt", out _))
                    {
                        return "img needs alt";
                    }

                    imageKeys.Add(key);
                    break;
                case "action":
                    foreach (var a in e.GetProperty("actions").EnumerateArray())
                    {
                        var url = a.TryGetProperty("url", out var u) ? u.GetString() ?? "" : "";
                        if (a.GetProperty("tag").GetString() != "button" || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                        {
                            return "custom bot buttons must be URL buttons with an absolute http(s) url";
                        }

                        buttons.Add((a.GetProperty("text").GetProperty("content").GetString() ?? "", url));
                    }

                    break;
            }
        }

        text = sb.ToString();
        return null;
    }

    private static Dictionary<string, byte[]> ParseMultipart(string contentType, byte[] body)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var b = contentType.Split("boundary=", 2)[1].Trim('"');
        var boundary = Encoding.ASCII.GetBytes("--" + b);
        var positions = new List<int>();
        for (var i = body.AsSpan().IndexOf(boundary); i >= 0;)
        {
            positions.Add(i);
            var next = body.AsSpan(i + boundary.Length).IndexOf(boundary);
            i = next < 0 ? -1 : i + boundary.Length + next;
        }

        for (var p = 0; p + 1 < positions.Count; p++)
        {
            var start = positions[p] + boundary.Length + 2;
            var end = positions[p + 1] - 2;
            var part = body.AsSpan(start, end - start);
            var split = part.IndexOf("\r\n\r\n"u8);
            var headers = Encoding.UTF8.GetString(part[..split]);
            var name = headers.Split("name=", 2)[1].Split(';', 2)[0].Split('\r', 2)[0].Trim('"');
            result[name] = part[(split + 4)..].ToArray();
        }

        return result;
    }
}

/// <summary>A message the fake Feishu bot accepted (Text: the card's fields and markdown, or the text content).</summary>
public sealed record FeishuReceivedMessage(string MsgType, string Title, string Text, string Colour, IReadOnlyList<string> ImageKeys,
    IReadOnlyList<(string Text, string Url)> Buttons, string Json, DateTimeOffset ReceivedAt);
