using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Promoter.Testing.Infrastructure;

/// <summary>One request a <see cref="RecordingHttpSink"/> received.</summary>
public sealed record SinkRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredStatus, DateTimeOffset At);

/// <summary>
/// A plain HTTP receiver on 127.0.0.1 that records every request and answers what the test says (200 by
/// default, or a status such as 503 to make a sender retry). Stands in for webhook sinks.
/// </summary>
public sealed class RecordingHttpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SinkRequest> _requests = new();
    private volatile int _status = 200;

    private RecordingHttpSink(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public IReadOnlyList<SinkRequest> Requests => _requests.ToArray();

    /// <summary>The status the next requests get.</summary>
    public int Status
    {
        get => _status;
        set => _status = value;
    }

    /// <summary>Called for each request before answering; may change <see cref="Status"/> for this request.</summary>
    public Func<SinkRequest, int>? Decide { get; set; }

    /// <summary>Extra response headers for a request (such as Retry-After on a 429), or null.</summary>
    public Func<SinkRequest, IReadOnlyDictionary<string, string>?>? AnswerHeaders { get; set; }

    /// <summary>Awaited before answering (after the request is recorded): holds a send in flight.</summary>
    public Func<SinkRequest, Task>? Hold { get; set; }

    public static async Task<RecordingHttpSink> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var sink = new RecordingHttpSink(app, port);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var request = new SinkRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body, sink._status, DateTimeOffset.UtcNow);
            var status = sink.Decide?.Invoke(request) ?? sink._status;
            request = request with { AnsweredStatus = status };
            sink._requests.Enqueue(request);
            if (sink.Hold is { } hold)
            {
                await hold(request);
            }

            context.Response.StatusCode = status;
            foreach (var (name, value) in sink.AnswerHeaders?.Invoke(request) ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.WriteAsync(status == 200 ? "ok" : "unavailable");
        });
        await app.StartAsync();
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
