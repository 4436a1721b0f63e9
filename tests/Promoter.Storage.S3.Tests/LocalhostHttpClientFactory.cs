using System.Net.Sockets;

namespace Promoter.Storage.S3.Tests;

/// <summary>
/// HttpClients that connect every name under <c>.localhost</c> to 127.0.0.1, as RFC 6761 says such names
/// are loopback (glibc does not resolve them). Virtual-hosted addressing puts the bucket in the host name
/// (alerts.s3.localhost); the store gets these clients through the IHttpClientFactory the host lends plugins.
/// </summary>
public sealed class LocalhostHttpClientFactory : IHttpClientFactory, IDisposable
{
    private readonly SocketsHttpHandler _handler = new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var target = host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" : host;
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(target, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _handler.Dispose();
}
