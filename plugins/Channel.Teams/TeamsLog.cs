using Microsoft.Extensions.Logging;

namespace Promoter.Channel.Teams;

internal static partial class TeamsLog
{
    [LoggerMessage(8601, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8602, LogLevel.Information, "Channel {Channel}: {Omitted} chart(s) left out of the card and the text cut to {TextLength} characters to stay within {Budget} bytes ({Size} bytes sent)")]
    public static partial void Trimmed(ILogger logger, string channel, int omitted, int textLength, int budget, int size);
}
