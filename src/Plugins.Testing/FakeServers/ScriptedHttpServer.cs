using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A raw HTTP server that answers every request with a scripted response (status, body, headers), or never
/// answers at all: the "configurable raw server" of the channel conformance tests.
/// </summary>
public sealed class ScriptedHttpServer : LoopbackHttpServer
{
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private volatile ScriptedResponse _response = new(200, "", "text/plain");
    private volatile bool _neverAnswer;
    private volatile bool _echoPathAndQuery;

    private ScriptedHttpServer()
    {
    }

    public static async Task<ScriptedHttpServer> StartAsync()
    {
        var server = new ScriptedHttpServer();
        await server.StartServerAsync();
        return server;
    }

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    /// <summary>Answer every following request with this response.</summary>
    public void Respond(int status, string body = "", string contentType = "application/json; charset=utf-8",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        _neverAnswer = false;
        _echoPathAndQuery = false;
        _response = new ScriptedResponse(status, body, contentType, headers);
    }

    /// <summary>Accept requests but never answer (until the client gives up or the server stops).</summary>
    public void NeverAnswer() => _neverAnswer = true;

    /// <summary>Answer with <paramref name="status"/> and a body that repeats the request's path and query, as some
    /// gateways and error pages do: a robot URL's token then comes back in pieces, never as the whole URL.</summary>
    public void RespondEchoingPathAndQuery(int status)
    {
        Respond(status, "", "text/plain");
        _echoPathAndQuery = true;
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        // As PHP behind FastCGI and several gateways behave (Microsoft Teams answers "Empty Payload"): a body sent
        // chunked, without Content-Length, does not arrive. The stand-in refuses it so that no channel regresses.
        var chunked = context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);
        _requests.Enqueue(await ReceivedRequest.ReadAsync(context.Request));
        if (chunked || (HttpMethods.IsPost(context.Request.Method) && context.Request.ContentLength is null))
        {
            context.Response.StatusCode = StatusCodes.Status411LengthRequired;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("stand-in: a POST body must come with Content-Length (it was sent chunked)");
            return;
        }

        if (_neverAnswer)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        var r = _response;
        context.Response.StatusCode = r.Status;
        foreach (var (k, v) in r.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[k] = v;
        }

        context.Response.ContentType = r.ContentType;
        if (_echoPathAndQuery)
        {
            await context.Response.WriteAsync($"no such robot: {context.Request.Path}{context.Request.QueryString}");
            return;
        }

        await context.Response.WriteAsync(r.Body);
    }

    private sealed record ScriptedResponse(int Status, string Body, string ContentType, IReadOnlyDictionary<string, string>? Headers = null);
}
