using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Promoter.Channel.Feishu;

/// <summary>
/// Feishu's custom bot signature (differs from DingTalk's): timestamp = Unix <b>seconds</b>; the HMAC-SHA256 key is
/// timestamp + "\n" + secret and the message is empty; sign = Base64 of it. Both go in the JSON body, not the URL.
/// Feishu rejects a timestamp more than one hour from its clock (code 19021).
/// </summary>
internal sealed class FeishuSigner(string secret)
{
    public (string Timestamp, string Sign) Sign(DateTimeOffset now)
    {
        var ts = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return (ts, Sign(ts));
    }

    public string Sign(string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>()));
}
