using Promoter.Abstractions.Configuration;

namespace Promoter.Host.Runtime;

/// <summary>
/// Problems a configuration can have that do not stop it from running but will show on the first alert. check-config
/// prints them after the errors; serve logs them at start and on every reload.
/// </summary>
internal static class ConfigWarnings
{
    /// <summary>
    /// Chat services whose servers fetch an image by the URL in the message; the value says how such a channel can
    /// get the chart there without a public link. Channels that upload (<see cref="Abstractions.Channels.IChannel.UploadsImages"/>)
    /// never need the link; the webhook and e-mail channels are left out (their readers may well be on the same network).
    /// </summary>
    private static readonly Dictionary<string, string> UploadHint = new(StringComparer.Ordinal)
    {
        ["dingtalk"] = "DingTalk robots cannot upload images",
        ["wecom"] = "or remove 'images: link' from the channel so WeCom receives each chart as an image message",
        ["feishu"] = "or give the channel app_id and app_secret_file so charts are uploaded into the card",
        ["slack"] = "or give the channel a bot token (token_file) so charts are uploaded",
        ["teams"] = "",
        ["discord"] = "",
        ["telegram"] = "",
    };

    public static IReadOnlyList<ConfigError> For(PromoterRuntime runtime)
    {
        var warnings = new List<ConfigError>();
        foreach (var receiver in runtime.Settings.Receivers)
        {
            var route = DeliveryRoute.Resolve(receiver, runtime);
            if (!route.Draws || route.Store is not { UrlsArePublic: false })
            {
                continue;
            }

            for (var i = 0; i < receiver.Channels.Count; i++)
            {
                if (route.Channel(receiver.Channels[i]) is not { } channel || channel.Channel.UploadsImages
                    || !UploadHint.TryGetValue(channel.Type, out var hint))
                {
                    continue;
                }

                var location = i < receiver.ChannelLocations.Count ? receiver.ChannelLocations[i] : receiver.Location;
                warnings.Add(new ConfigError(location, $"{receiver.Path}.channels[{i}]",
                    $"channel '{channel.Name}' ({channel.Type}) links charts from store '{route.StoreName}', whose URLs {channel.Type}'s servers cannot fetch " +
                    "(no public_url, or an address on a private network): the message will show a broken image",
                    "give the store a public_url that the chat service can reach (a public bucket or CDN, or nginx behind a public name), " +
                    "or set Promoter's public_url when Promoter serves the images" + (hint.Length == 0 ? "" : "; " + hint)));
            }
        }

        return warnings;
    }
}
