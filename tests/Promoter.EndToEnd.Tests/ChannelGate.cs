using Microsoft.AspNetCore.Http;
using Promoter.Testing.FakeServers;

namespace Promoter.EndToEnd.Tests;

/// <summary>
/// A reverse proxy in front of a fake chat server that the test can close: while closed every request gets
/// 503 (a chat service outage), so notifications Promoter has acknowledged stay in its outbox.
/// </summary>
public sealed class ChannelGate : LoopbackHttpServer
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive", "Expect",
    };

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Uri _target;
    private volatile bool _open = true;
    private int _refused;

    private ChannelGate(Uri target) => _target = target;

    public static async Task<ChannelGate> StartAsync(Uri target)
    {
        var gate = new ChannelGate(target);
        await gate.StartServerAsync();
        return gate;
    }

    public bool Open
    {
        get => _open;
        set => _open = value;
    }

    /// <summary>Requests answered 503 while closed.</summary>
    public int Refused => Volatile.Read(ref _refused);

    protected override async Task HandleAsync(HttpContext context)
    {
        if (!_open)
        {
            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var uri = new Uri(_target, context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), uri);
        if (body.Length > 0 || context.Request.ContentLength is not null)
        {
            request.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, value) in context.Request.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, value.ToArray()) && request.Content is not null)
            {
                request.Content.Headers.TryAddWithoutValidation(name, value.ToArray());
            }
        }

        using var response = await Http.SendAsync(request);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await context.Response.Body.WriteAsync(await response.Content.ReadAsByteArrayAsync());
    }
}
