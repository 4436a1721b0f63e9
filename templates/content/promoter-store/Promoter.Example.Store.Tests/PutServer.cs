using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Promoter.Example.Store.Tests;

/// <summary>
/// A loopback stand-in for the server the store PUTs to (WebDAV, nginx with dav_methods PUT): PUT needs the bearer
/// token and a Content-Length (what nginx and most gateways require), GET serves what was stored with its type.
/// </summary>
internal sealed class PutServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, (byte[] Body, string Type)> _files = new(StringComparer.Ordinal);
    private readonly string _token;
    private readonly Task _loop;

    private PutServer(string token, int port)
    {
        _token = token;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/alerts/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    public int Puts;

    public static PutServer Start(string token)
    {
        // A free port: bind to port 0, read it back, release it for the listener.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new PutServer(token, port);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        try
        {
            if (request.HttpMethod == "PUT")
            {
                if (request.Headers["Authorization"] != $"Bearer {_token}")
                {
                    await AnswerAsync(response, 401, "unauthorized");
                    return;
                }

                if (request.ContentLength64 <= 0)
                {
                    await AnswerAsync(response, 411, "length required");
                    return;
                }

                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                _files[path] = (body.ToArray(), request.ContentType ?? "application/octet-stream");
                Interlocked.Increment(ref Puts);
                await AnswerAsync(response, 201, "");
                return;
            }

            if (request.HttpMethod == "GET" && _files.TryGetValue(path, out var file))
            {
                response.StatusCode = 200;
                response.ContentType = file.Type;
                response.ContentLength64 = file.Body.Length;
                await response.OutputStream.WriteAsync(file.Body);
                response.Close();
                return;
            }

            await AnswerAsync(response, 404, "not found");
        }
        catch (HttpListenerException)
        {
            // The client went away.
        }
    }

    private static async Task AnswerAsync(HttpListenerResponse response, int status, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }
}
