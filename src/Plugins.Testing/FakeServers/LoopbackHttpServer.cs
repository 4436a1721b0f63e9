using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Promoter.Testing.Infrastructure;

namespace Promoter.Testing.FakeServers;

/// <summary>An in-process Kestrel server on 127.0.0.1 and a free port, handling every request with one delegate.</summary>
public abstract class LoopbackHttpServer : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>http://127.0.0.1:port/ (with the trailing slash).</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public int Port { get; private set; }

    protected async Task StartServerAsync(CancellationToken cancellationToken = default)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
            var app = builder.Build();
            app.Run(HandleAsync);
            try
            {
                await app.StartAsync(cancellationToken);
                _app = app;
                BaseUrl = new Uri($"http://127.0.0.1:{Port}/");
                return;
            }
            catch (IOException e)
            {
                // Another test took the port between FreePort.Next() and the bind: try another one.
                last = e;
                await app.DisposeAsync();
            }
        }

        throw new InvalidOperationException("could not bind a loopback port", last);
    }

    protected abstract Task HandleAsync(HttpContext context);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _app.StopAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
            }

            await _app.DisposeAsync();
            _app = null;
        }

        GC.SuppressFinalize(this);
    }

    protected static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        return await reader.ReadToEndAsync();
    }
}

/// <summary>One request a fake server received.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    public static async Task<ReceivedRequest> ReadAsync(HttpRequest request)
    {
        using var ms = new MemoryStream();
        await request.Body.CopyToAsync(ms);
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        return new ReceivedRequest(request.Method, request.Path + request.QueryString, headers, ms.ToArray());
    }
}
