using System.Net;
using System.Net.Sockets;

namespace Promoter.Testing.Infrastructure;

/// <summary>Loopback ports for servers the tests start (test projects run in parallel).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
