using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local WeCom group robot (POST /cgi-bin/webhook/send?key=…) that checks what the real one checks: the key
/// (93000), the JSON shape and msgtype (40008), the markdown's 4,096-byte limit (40058), the text's 2,048-byte
/// limit, an image's base64 and the MD5 of its raw bytes and its 2 MB limit, and the 20 messages a minute limit
/// (45009). Errors come, as in WeCom, as HTTP 200 with an <c>errcode</c>.
/// </summary>
public sealed class FakeWeComServer : LoopbackHttpServer
{
    public const int MaxMessagesPerMinute = 20;
    public const int MaxMarkdownBytes = 4096;
    public const int MaxTextBytes = 2048;
    public const int MaxImageBytes = 2 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly List<WeComReceivedMessage> _messages = [];
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<int> _answers = [];
    private readonly List<DateTimeOffset> _accepted = [];
    private readonly Queue<(int Status, int? ErrCode, string ErrMsg)> _scripted = new();
    private int _failAt;

    private FakeWeComServer(string key, TimeProvider clock)
    {
        Key = key;
        Clock = clock;
    }

    /// <param name="key">The robot's key (the key query parameter).</param>
    /// <param name="clock">The server's clock (share a ManualTimeProvider with the channel to test the limit).</param>
    public static async Task<FakeWeComServer> StartAsync(string key = "fake-wecom-key", TimeProvider? clock = null)
    {
        var server = new FakeWeComServer(key, clock ?? TimeProvider.System);
        await server.StartServerAsync();
        return server;
    }

    public string Key { get; }
    public TimeProvider Clock { get; }

    /// <summary>The robot URL a channel is configured with.</summary>
    public Uri RobotUrl => new(BaseUrl, $"cgi-bin/webhook/send?key={Uri.EscapeDataString(Key)}");

    /// <summary>Messages accepted (errcode 0), in order.</summary>
    public IReadOnlyList<WeComReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToList();
            }
        }
    }

    /// <summary>Every request, accepted or not.</summary>
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

    /// <summary>Every errcode answered so far (0 for accepted; minus the HTTP status for a bodiless HTTP error), in order.</summary>
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

    /// <summary>The request after the next <paramref name="after"/> ones gets this errcode (HTTP 200), whatever it holds.</summary>
    public void FailNext(int errcode, string errmsg, int after = 0)
    {
        lock (_gate)
        {
            _failAt = _requests.Count + after;
            _scripted.Enqueue((200, errcode, errmsg));
        }
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = await ReceivedRequest.ReadAsync(context.Request);
        int status;
        int? errcode;
        string errmsg;
        lock (_gate)
        {
            _requests.Add(request);
            (status, errcode, errmsg) = _scripted.Count > 0 && _requests.Count > _failAt ? _scripted.Dequeue() : Check(context.Request, request);
            _answers.Add(errcode ?? -status);
        }

        context.Response.StatusCode = status;
        if (errcode is not null)
        {
            context.Response.ContentType = "application/json; charset=UTF-8";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["errcode"] = errcode, ["errmsg"] = errmsg }));
        }
    }

    private (int, int?, string) Check(HttpRequest http, ReceivedRequest request)
    {
        if (http.Method != "POST" || http.Path != "/cgi-bin/webhook/send")
        {
            return (404, null, "");
        }

        if (http.Query["key"] != Key)
        {
            return (200, 93000, "invalid webhook url, hint: [fake], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000");
        }

        if (http.ContentLength is null)
        {
            // Not a WeCom rule, but Promoter's: requests are buffered and carry a Content-Length.
            return (411, null, "");
        }

        WeComReceivedMessage message;
        try
        {
            message = WeComReceivedMessage.Parse(request.BodyText);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return (200, 40008, "invalid message type: " + e.Message);
        }

        switch (message.MsgType)
        {
            case "markdown" or "markdown_v2" when message.Content.Length == 0:
            case "text" when message.Content.Length == 0:
                return (200, 44004, "empty content");
            case "markdown" or "markdown_v2" when Encoding.UTF8.GetByteCount(message.Content) > MaxMarkdownBytes:
                return (200, 40058, $"{message.MsgType}.content exceed max length {MaxMarkdownBytes}");
            case "text" when Encoding.UTF8.GetByteCount(message.Content) > MaxTextBytes:
                return (200, 40058, $"text.content exceed max length {MaxTextBytes}");
            case "image":
                byte[] raw;
                try
                {
                    raw = Convert.FromBase64String(message.ImageBase64);
                }
                catch (FormatException)
                {
                    return (200, 40009, "invalid image size / base64");
                }

                if (raw.Length == 0 || raw.Length > MaxImageBytes)
                {
                    return (200, 40009, "invalid image size");
                }

                if (!string.Equals(Convert.ToHexStringLower(MD5.HashData(raw)), message.ImageMd5, StringComparison.Ordinal))
                {
                    return (200, 301019, "media md5 not match");
                }

                if (!IsPngOrJpeg(raw))
                {
                    return (200, 40009, "invalid image type");
                }

                message = message with { ImageBytes = raw };
                break;
        }

        var now = Clock.GetUtcNow();
        _accepted.RemoveAll(t => now - t >= TimeSpan.FromMinutes(1));
        if (_accepted.Count >= MaxMessagesPerMinute)
        {
            return (200, 45009, "api freq out of limit");
        }

        _accepted.Add(now);
        _messages.Add(message with { ReceivedAt = now });
        return (200, 0, "ok");
    }

    private static bool IsPngOrJpeg(byte[] raw) =>
        (raw.Length > 8 && raw[0] == 0x89 && raw[1] == (byte)'P' && raw[2] == (byte)'N' && raw[3] == (byte)'G')
        || (raw.Length > 3 && raw[0] == 0xFF && raw[1] == 0xD8 && raw[2] == 0xFF);
}

/// <summary>A message the fake WeCom robot accepted (Content: markdown or text content).</summary>
public sealed record WeComReceivedMessage(string MsgType, string Content, IReadOnlyList<string> MentionedList,
    IReadOnlyList<string> MentionedMobileList, string ImageBase64, string ImageMd5, string Json)
{
    public byte[] ImageBytes { get; init; } = [];
    public DateTimeOffset ReceivedAt { get; init; }

    internal static WeComReceivedMessage Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var type = root.GetProperty("msgtype").GetString() ?? throw new FormatException("msgtype is null");
        if (type is not ("markdown" or "markdown_v2" or "text" or "image"))
        {
            throw new FormatException($"msgtype {type} is not supported by this fake");
        }

        var body = root.GetProperty(type);
        var content = body.TryGetProperty("content", out var c) ? c.GetString() ?? "" : "";
        var mentioned = List(body, "mentioned_list");
        var mobiles = List(body, "mentioned_mobile_list");
        var b64 = type == "image" ? body.GetProperty("base64").GetString() ?? "" : "";
        var md5 = type == "image" ? body.GetProperty("md5").GetString() ?? "" : "";
        return new WeComReceivedMessage(type, content, mentioned, mobiles, b64, md5, json);
    }

    private static List<string> List(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
}
