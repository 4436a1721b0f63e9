using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Promoter.Abstractions.Model;

namespace Promoter.State;

/// <summary>
/// The identity of a notification for spotting resends: Alertmanager retries a webhook it did not see answered
/// (timeouts, a restart), and an HA pair sends the same group from each peer. Two groups get the same key when
/// receiver, group key, status and the set of alerts (fingerprint, status, startsAt, endsAt) are equal; the
/// order of the alerts and the offsets of the times do not matter.
/// </summary>
public static class DedupeKey
{
    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Compute(AlertGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);

        var alerts = new string[group.Alerts.Count];
        for (var i = 0; i < alerts.Length; i++)
        {
            var a = group.Alerts[i];
            // UtcTicks: 10:00+08:00 and 02:00Z are the same instant. Go's zero endsAt is tick 0.
            alerts[i] = string.Join('\u001f', IdentityOf(a), a.Status,
                a.StartsAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
                a.EndsAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        }

        Array.Sort(alerts, StringComparer.Ordinal);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, "promoter-dedupe-v1");
        Append(hash, group.Receiver);
        Append(hash, group.GroupKey);
        Append(hash, group.Status);
        foreach (var a in alerts)
        {
            Append(hash, a);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // Alertmanager always sends a fingerprint; a hand-written payload may not, and then distinct alerts must
    // still get distinct keys.
    private static string IdentityOf(Alert alert) =>
        alert.Fingerprint.Length > 0
            ? alert.Fingerprint
            : string.Join('\u001e', alert.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => kv.Key + "=" + kv.Value));

    // Length-prefixed so that ("ab","c") and ("a","bc") hash differently.
    private static void Append(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
