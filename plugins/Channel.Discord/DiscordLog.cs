using Microsoft.Extensions.Logging;

namespace Promoter.Channel.Discord;

internal static partial class DiscordLog
{
    [LoggerMessage(8201, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8202, LogLevel.Debug, "Channel {Channel}: the embeds were cut to {Length} characters to stay within Discord's 6,000")]
    public static partial void Trimmed(ILogger logger, string channel, int length);
}
