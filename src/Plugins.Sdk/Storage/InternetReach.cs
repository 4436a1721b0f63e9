using System.Net;
using System.Net.Sockets;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// Whether a chat service on the internet (DingTalk's, WeCom's, Feishu's servers fetch an image by its URL) could
/// resolve and reach a URL, judged from the URL alone. For stores that build links from an endpoint the operator
/// configured (S3, Azure Blob, third-party stores): one pointed at <c>http://127.0.0.1:9000</c> or
/// <c>http://minio:9000</c> says its links are private, and channels that can upload do so instead of linking.
/// </summary>
public static class InternetReach
{
    /// <summary>False for loopback, private and link-local addresses, and for host names the public DNS cannot
    /// answer: single labels (a container or Kubernetes service name) and the reserved local suffixes.</summary>
    public static bool IsReachableFromInternet(Uri url)
    {
        if (url.IsLoopback)
        {
            return false;
        }

        if (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var ip))
        {
            return !IsPrivate(ip);
        }

        var host = url.IdnHost.TrimEnd('.');
        return host.Contains('.', StringComparison.Ordinal)
            && !LocalSuffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    // RFC 6762 (.local), RFC 6761 (.localhost, .test, .invalid), ICANN's reserved .internal, and Kubernetes' service
    // domains: none resolves on the public internet.
    private static readonly string[] LocalSuffixes = [".local", ".localhost", ".internal", ".test", ".invalid", ".svc", ".cluster.local", ".lan", ".home.arpa"];

    private static bool IsPrivate(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b6 = ip.GetAddressBytes();
            return ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || (b6[0] & 0xFE) == 0xFC; // fc00::/7 unique local (RFC 4193)
        }

        var b = ip.GetAddressBytes();
        return b[0] == 10                                   // RFC 1918
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)   // RFC 1918
            || (b[0] == 192 && b[1] == 168)                 // RFC 1918
            || (b[0] == 169 && b[1] == 254)                 // link-local, RFC 3927
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)   // carrier-grade NAT, RFC 6598
            || b[0] == 0 || b[0] == 127;
    }
}
