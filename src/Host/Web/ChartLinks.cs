using System.Globalization;
using Promoter.Abstractions.Storage;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>How the page shows a stored chart: its own link, through Promoter, or a note that it expired.</summary>
internal abstract record ChartLink
{
    public sealed record Direct(string Url) : ChartLink;

    public sealed record ThroughPromoter(string Path) : ChartLink;

    public sealed record Expired(string Message) : ChartLink;
}

/// <summary>
/// History is kept longer than some image links live: an S3 presigned GET lasts at most 7 days (SigV4's
/// X-Amz-Expires limit is 604800 s), history 30 days by default. So the page never shows a link that has
/// expired (or one that only the host can reach, such as http://localhost): it serves the bytes through
/// Promoter when the store can read them back (<see cref="IImageReader"/>), and otherwise says the link
/// expired instead of showing a broken image.
/// </summary>
internal static class ChartLinks
{
    public static ChartLink For(StoredGroupImage image, long groupId, int index, IImageStore? store, DateTimeOffset now)
    {
        var proxy = new ChartLink.ThroughPromoter(FormattableString.Invariant($"/ui/images/{groupId}/{index}"));
        var readable = store is IImageReader && image.Key is not null;
        var expires = image.Url is null ? null : PresignedExpiry(image.Url);
        if (image.Url is not null && expires is null && image.IsPublic)
        {
            return new ChartLink.Direct(image.Url);
        }

        if (readable)
        {
            return proxy;
        }

        if (image.Url is null)
        {
            return new ChartLink.Expired("this chart was not stored anywhere the page can read it");
        }

        return expires is { } e && e <= now
            ? new ChartLink.Expired(FormattableString.Invariant(
                $"this chart's link expired at {e.UtcDateTime:yyyy-MM-dd HH:mm} UTC (the store's presigned links last shorter than the history), and the store cannot read it back"))
            : new ChartLink.Direct(image.Url);
    }

    /// <summary>The bytes of image <paramref name="index"/> of a group, read back from the store of the group's
    /// receiver; null when the group, the image or the bytes are gone or the store cannot read.</summary>
    public static async Task<(byte[] Bytes, string ContentType)?> ReadAsync(IRenderedCharts charts, IAlertHistory history, PromoterRuntime runtime,
        long groupId, int index, CancellationToken ct)
    {
        var rendered = await charts.GetRenderedGroupAsync(groupId, ct);
        if (rendered is null || index < 0 || index >= rendered.Images.Count || rendered.Images[index].Key is not { } key)
        {
            return null;
        }

        var store = await StoreOfGroupAsync(history, runtime, groupId, ct);
        if (store is not IImageReader reader)
        {
            return null;
        }

        var bytes = await reader.ReadAsync(key, ct);
        return bytes is null ? null : (bytes, rendered.Images[index].ContentType);
    }

    public static async Task<IImageStore?> StoreOfGroupAsync(IAlertHistory state, PromoterRuntime runtime, long groupId, CancellationToken ct) =>
        StoreOf(runtime, await state.GetGroupAsync(groupId, ct));

    /// <summary>The image store of the group's receiver as configured now, or null.</summary>
    public static IImageStore? StoreOf(PromoterRuntime runtime, Abstractions.Model.AlertGroup? group) =>
        group is not null && runtime.FindReceiver(group.Receiver)?.Store is { } name
            && runtime.Stores.TryGetValue(name, out var store) ? store : null;

    /// <summary>
    /// When a presigned URL stops working, read from the URL itself: SigV4 (AWS, MinIO, R2, …) carries
    /// X-Amz-Date (yyyyMMddTHHmmssZ) and X-Amz-Expires (seconds); SigV2 and Alibaba OSS carry Expires (Unix
    /// seconds). Null for a URL without either (a permanent link).
    /// </summary>
    internal static DateTimeOffset? PresignedExpiry(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Query.Length < 2)
        {
            return null;
        }

        string? amzDate = null, amzExpires = null, expires = null;
        foreach (var pair in uri.Query[1..].Split('&'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var name = Uri.UnescapeDataString(pair[..eq]);
            var value = Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (name.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase))
            {
                amzDate = value;
            }
            else if (name.Equals("X-Amz-Expires", StringComparison.OrdinalIgnoreCase))
            {
                amzExpires = value;
            }
            else if (name.Equals("Expires", StringComparison.Ordinal))
            {
                expires = value;
            }
        }

        if (amzDate is not null && amzExpires is not null
            && DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt)
            && long.TryParse(amzExpires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return signedAt.AddSeconds(seconds);
        }

        return expires is not null && long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var unix)
            ? DateTimeOffset.FromUnixTimeSeconds(unix)
            : null;
    }
}
