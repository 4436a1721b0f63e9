using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Promoter.Testing.Infrastructure;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 that answers every request with a status and a body of a given (huge)
/// size, written for as long as the client reads, and counts the bytes the socket accepted. Raw sockets, not
/// Kestrel: Kestrel silently drops writes to a closed connection, so it cannot tell how much a client read.
/// </summary>
public sealed class HugeBodyServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly int _status;
    private readonly long _bodyBytes;
    private long _bytesSent;

    private HugeBodyServer(TcpListener listener, int status, long bodyBytes)
    {
        _listener = listener;
        _status = status;
        _bodyBytes = bodyBytes;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Body bytes the client's socket accepted (what it read plus what the kernel buffers held).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public static HugeBodyServer Start(int status, long bodyBytes)
    {
        var listener = new TcpListener(IPAddress.Loopback, FreePort.Next());
        listener.Start();
        return new HugeBodyServer(listener, status, bodyBytes);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await ReadRequestAsync(stream);
                var head = $"HTTP/1.1 {_status} Whatever\r\nContent-Type: text/plain\r\nContent-Length: {_bodyBytes.ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                var block = new byte[64 * 1024];
                Array.Fill(block, (byte)'x');
                for (long sent = 0; sent < _bodyBytes; sent += block.Length)
                {
                    await stream.WriteAsync(block, _stop.Token);
                    Interlocked.Add(ref _bytesSent, block.Length);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client closed the connection once it had read what it wanted.
            }
        }
    }

    private async Task ReadRequestAsync(NetworkStream stream)
    {
        // Headers up to the blank line, then Content-Length bytes of body.
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return;
            }

            buffer.Add(one[0]);
        }

        var headers = Encoding.ASCII.GetString(buffer.ToArray());
        var length = 0;
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, _stop.Token);
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
