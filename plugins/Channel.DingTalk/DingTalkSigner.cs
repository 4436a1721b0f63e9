using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Promoter.Channel.DingTalk;

/// <summary>
/// DingTalk's "加签" robot security: timestamp = Unix milliseconds; sign = Base64(HMAC-SHA256(key = secret,
/// message = timestamp + "\n" + secret)); both appended to the robot URL's query, URL-encoded once. DingTalk
/// rejects a timestamp more than one hour away from its own clock (errcode 310000).
/// </summary>
internal sealed class DingTalkSigner(string secret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);
    private readonly string _secret = secret;

    public string Sign(long timestampMs)
    {
        var message = Encoding.UTF8.GetBytes(timestampMs.ToString(CultureInfo.InvariantCulture) + "\n" + _secret);
        return Convert.ToBase64String(HMACSHA256.HashData(_key, message));
    }

    /// <summary>The robot URL with <c>timestamp</c> and <c>sign</c> appended.</summary>
    public Uri SignedUrl(Uri robotUrl, DateTimeOffset now)
    {
        var ts = now.ToUnixTimeMilliseconds();
        var separator = string.IsNullOrEmpty(robotUrl.Query) ? "?" : "&";
        return new Uri(robotUrl.AbsoluteUri + separator + "timestamp=" + ts.ToString(CultureInfo.InvariantCulture)
                       + "&sign=" + Uri.EscapeDataString(Sign(ts)));
    }
}
