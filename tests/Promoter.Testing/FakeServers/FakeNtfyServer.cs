using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A stand-in for an ntfy server's JSON publishing endpoint (POST to the root URL, the topic in the body), refusing
/// what ntfy refuses: a body that is not a JSON object (400, ntfy code 40024), a topic outside ntfy's name rule
/// <c>^[-_A-Za-z0-9]{1,64}$</c> (400, 40009), a priority outside 1..5 (400, 40007), a message over ntfy's 4,096-byte
/// message limit (ntfy would turn it into an attachment, which a chat reader cannot read inline), and, when a token is
/// required, a missing or wrong <c>Authorization: Bearer</c> (401, 40101 / 403, 40301). Accepted messages answer
/// like ntfy: 200 with the message as JSON (<c>id</c>, <c>time</c>, <c>event: message</c>, <c>topic</c>).
/// </summary>
public sealed partial class FakeNtfyServer : LoopbackHttpServer
{
    private const int MaxMessageBytes = 4096;
    private const int MaxBodyBytes = 64 * 1024;
    private readonly ConcurrentQueue<JsonElement> _published = new();
    private int _next;

    private FakeNtfyServer(string? requiredToken) => RequiredToken = requiredToken;

    public string? RequiredToken { get; }

    /// <summary>Every accepted message body, in order.</summary>
    public IReadOnlyList<JsonElement> Published => [.. _published];

    /// <summary>Every refusal, as "status code: reason", for assertions and failure messages.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    public static async Task<FakeNtfyServer> StartAsync(string? requiredToken = null)
    {
        var server = new FakeNtfyServer(requiredToken);
        await server.StartServerAsync();
        return server;
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method != HttpMethods.Post || request.Path != "/")
        {
            await RefuseAsync(context, 404, 40401, "page not found");
            return;
        }

        if (RequiredToken is not null)
        {
            var auth = request.Headers.Authorization.ToString();
            if (auth.Length == 0)
            {
                await RefuseAsync(context, 401, 40101, "unauthorized");
                return;
            }

            if (auth != "Bearer " + RequiredToken)
            {
                await RefuseAsync(context, 403, 40301, "forbidden");
                return;
            }
        }

        if (request.ContentLength is null or > MaxBodyBytes)
        {
            await RefuseAsync(context, 413, 41301, "request entity too large or without Content-Length");
            return;
        }

        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body);
            body = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            await RefuseAsync(context, 400, 40024, "invalid request: request body must be message JSON");
            return;
        }

        if (body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("topic", out var topic) || topic.ValueKind != JsonValueKind.String || !TopicRule().IsMatch(topic.GetString()!))
        {
            await RefuseAsync(context, 400, 40009, "invalid request: topic invalid");
            return;
        }

        if (body.TryGetProperty("priority", out var priority) && (priority.ValueKind != JsonValueKind.Number || priority.GetInt32() is < 1 or > 5))
        {
            await RefuseAsync(context, 400, 40007, "invalid priority");
            return;
        }

        var message = body.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        if (System.Text.Encoding.UTF8.GetByteCount(message) > MaxMessageBytes)
        {
            await RefuseAsync(context, 400, 40000, "message over 4096 bytes would become an attachment");
            return;
        }

        _published.Enqueue(body);
        var id = $"msg{Interlocked.Increment(ref _next):D4}";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            id,
            time = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            @event = "message",
            topic = topic.GetString(),
            message,
        }));
    }

    private async Task RefuseAsync(HttpContext context, int status, int code, string error)
    {
        Refusals.Enqueue($"{status} {code}: {error}");
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { code, http = status, error }));
    }

    [GeneratedRegex("^[-_A-Za-z0-9]{1,64}$")]
    private static partial Regex TopicRule();
}
