using System.Globalization;
using System.Net;

namespace Promoter.Host.Configuration;

/// <summary>A listen address as Prometheus tools write it: <c>:8080</c>, <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>.</summary>
internal sealed record ListenAddress(IPAddress? Address, int Port)
{
    public static bool TryParse(string? text, out ListenAddress value)
    {
        value = new ListenAddress(null, 0);
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        if (host.Length == 0 || host == "0.0.0.0" || host == "*")
        {
            value = new ListenAddress(null, port);
            return true;
        }

        if (host == "localhost")
        {
            value = new ListenAddress(IPAddress.Loopback, port);
            return true;
        }

        if (!IPAddress.TryParse(host, out var ip))
        {
            return false;
        }

        value = new ListenAddress(ip, port);
        return true;
    }

    public string ToUrl() => Address switch
    {
        null => $"http://+:{Port}",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } => $"http://[{Address}]:{Port}",
        _ => $"http://{Address}:{Port}",
    };
}
