using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local DingTalk custom robot (POST /robot/send?access_token=…) that checks what the real one checks:
/// the access token, the signature (HMAC-SHA256 of "timestamp\nsecret", base64, in the query) and its
/// one-hour timestamp window, the keyword, the JSON shape, the 20,000-byte limit and the 20 messages a
/// minute limit (after which it blocks the robot for 10 minutes). Errors come, as in DingTalk, as HTTP 200
/// with an <c>errcode</c>.
/// </summary>
public sealed class FakeDingTalkServer : LoopbackHttpServer
{
    public const int MaxMessagesPerMinute = 20;
    public const int MaxMessageBytes = 20_000;

    private readonly object _gate = new();
    private readonly List<DingTalkReceivedMessage> _messages = [];
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<DateTimeOffset> _accepted = [];
    private readonly Queue<(int Status, int? ErrCode, string ErrMsg)> _scripted = new();
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

    private FakeDingTalkServer(string accessToken, string? secret, string? keyword, TimeProvider clock)
    {
        AccessToken = accessToken;
        Secret = secret;
        Keyword = keyword;
        Clock = clock;
    }

    /// <param name="accessToken">The robot's token (the access_token query parameter).</param>
    /// <param name="secret">The signing secret ("SEC…"); when set, unsigned requests are rejected.</param>
    /// <param name="keyword">A security keyword the markdown must contain.</param>
    /// <param name="clock">The server's clock (share a ManualTimeProvider with the channel to test limits).</param>
    public static async Task<FakeDingTalkServer> StartAsync(string accessToken = "fake-ding-token", string? secret = null,
        string? keyword = null, TimeProvider? clock = null)
    {
        var server = new FakeDingTalkServer(accessToken, secret, keyword, clock ?? TimeProvider.System);
        await server.StartServerAsync();
        return server;
    }

    public string AccessToken { get; }
    public string? Secret { get; }
    public string? Keyword { get; }
    public TimeProvider Clock { get; }

    /// <summary>The robot URL a channel is configured with.</summary>
    public Uri RobotUrl => new(BaseUrl, $"robot/send?access_token={Uri.EscapeDataString(AccessToken)}");

    /// <summary>Messages accepted (errcode 0), in order.</summary>
    public IReadOnlyList<DingTalkReceivedMessage> Messages
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
    public List<int> Answers { get; } = [];

    /// <summary>The next request gets this errcode (HTTP 200), whatever it holds.</summary>
    public void FailNext(int errcode, string errmsg)
    {
        lock (_gate)
        {
            _scripted.Enqueue((200, errcode, errmsg));
        }
    }

    /// <summary>The next request gets this HTTP status with an empty body.</summary>
    public void FailNextHttp(int status)
    {
        lock (_gate)
        {
            _scripted.Enqueue((status, null, ""));
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
            (status, errcode, errmsg) = _scripted.Count > 0 ? _scripted.Dequeue() : Check(context.Request, request);
            Answers.Add(errcode ?? -status);
        }

        context.Response.StatusCode = status;
        if (errcode is not null)
        {
            context.Response.ContentType = "application/json;charset=utf-8";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["errcode"] = errcode, ["errmsg"] = errmsg }));
        }
    }

    private (int, int?, string) Check(HttpRequest http, ReceivedRequest request)
    {
        if (http.Method != "POST" || http.Path != "/robot/send")
        {
            return (404, null, "");
        }

        if (http.Query["access_token"] != AccessToken)
        {
            return (200, 300001, "token is not exist");
        }

        var now = Clock.GetUtcNow();
        if (Secret is not null)
        {
            var ts = http.Query["timestamp"].ToString();
            var sign = http.Query["sign"].ToString();
            if (!long.TryParse(ts, out var ms) || Math.Abs((now - DateTimeOffset.FromUnixTimeMilliseconds(ms)).TotalHours) > 1)
            {
                return (200, 310000, "invalid timestamp");
            }

            var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(ts + "\n" + Secret)));
            if (!string.Equals(sign, expected, StringComparison.Ordinal))
            {
                return (200, 310000, "sign not match");
            }
        }

        if (http.ContentType is null || !http.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (200, 43004, "无效的HTTP HEADER Content-Type");
        }

        DingTalkReceivedMessage message;
        try
        {
            message = DingTalkReceivedMessage.Parse(request.BodyText, now);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return (200, 40035, "缺少参数 json: " + e.Message);
        }

        if (message.Text.Length == 0)
        {
            return (200, 40035, $"缺少参数 {message.MsgType}.text");
        }

        if (Keyword is not null && !message.Text.Contains(Keyword, StringComparison.Ordinal) && !message.Title.Contains(Keyword, StringComparison.Ordinal))
        {
            return (200, 310000, "keywords not in content");
        }

        if (Encoding.UTF8.GetByteCount(message.Text) > MaxMessageBytes)
        {
            return (200, 460101, "message too long, exceed 20000 bytes");
        }

        if (now < _blockedUntil)
        {
            return (200, 130101, "send too fast, exceed 20 times per minute");
        }

        _accepted.RemoveAll(t => now - t >= TimeSpan.FromMinutes(1));
        if (_accepted.Count >= MaxMessagesPerMinute)
        {
            // DingTalk blocks a robot that exceeds 20 a minute for 10 minutes.
            _blockedUntil = now + TimeSpan.FromMinutes(10);
            return (200, 130101, "send too fast, exceed 20 times per minute");
        }

        _accepted.Add(now);
        _messages.Add(message);
        return (200, 0, "ok");
    }
}

/// <summary>A message the fake DingTalk robot accepted.</summary>
public sealed record DingTalkReceivedMessage(string MsgType, string Title, string Text, IReadOnlyList<string> AtMobiles,
    IReadOnlyList<string> AtUserIds, bool IsAtAll, string Json, DateTimeOffset ReceivedAt)
{
    internal static DingTalkReceivedMessage Parse(string json, DateTimeOffset now)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var type = root.GetProperty("msgtype").GetString() ?? throw new FormatException("msgtype is null");
        string title;
        string text;
        switch (type)
        {
            case "markdown":
                var md = root.GetProperty("markdown");
                title = md.GetProperty("title").GetString() ?? "";
                text = md.GetProperty("text").GetString() ?? "";
                if (title.Length == 0)
                {
                    throw new FormatException("markdown.title is empty");
                }

                break;
            case "text":
                title = "";
                text = root.GetProperty("text").GetProperty("content").GetString() ?? "";
                break;
            default:
                throw new FormatException($"msgtype {type} is not supported by this fake");
        }

        var mobiles = new List<string>();
        var users = new List<string>();
        var all = false;
        if (root.TryGetProperty("at", out var at))
        {
            if (at.TryGetProperty("atMobiles", out var m))
            {
                mobiles.AddRange(m.EnumerateArray().Select(x => x.GetString() ?? ""));
            }

            if (at.TryGetProperty("atUserIds", out var u))
            {
                users.AddRange(u.EnumerateArray().Select(x => x.GetString() ?? ""));
            }

            all = at.TryGetProperty("isAtAll", out var a) && a.GetBoolean();
        }

        return new DingTalkReceivedMessage(type, title, text, mobiles, users, all, json, now);
    }
}
