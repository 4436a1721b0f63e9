using Microsoft.Extensions.Logging;

namespace Promoter.Channel.Email;

internal static partial class EmailLog
{
    [LoggerMessage(8301, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8302, LogLevel.Warning, "Channel {Channel}: chart {Title} left out of the message: {Reason}")]
    public static partial void ChartLeftOut(ILogger logger, string channel, string title, string reason);

    [LoggerMessage(8303, LogLevel.Debug, "Channel {Channel}: sent {MessageId} to {Recipients} recipient(s) through {Server} ({Bytes} bytes, {Inline} inline chart(s))")]
    public static partial void Sent(ILogger logger, string channel, string messageId, int recipients, string server, long bytes, int inline);

    [LoggerMessage(8304, LogLevel.Warning, "Channel {Channel}: {Result}")]
    public static partial void SendFailed(ILogger logger, string channel, string result);
}
