using Microsoft.Extensions.Logging;

namespace Promoter.Channel.Telegram;

internal static partial class TelegramLog
{
    [LoggerMessage(8701, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8702, LogLevel.Warning, "Channel {Channel}: the message was sent but chart {Title} could not be: {Result}")]
    public static partial void PhotoFailed(ILogger logger, string channel, string title, string result);

    [LoggerMessage(8703, LogLevel.Debug, "Channel {Channel}: the text is {Length} characters, over the 1,024 of a photo caption; sending it as a message with the chart as a reply")]
    public static partial void CaptionTooLong(ILogger logger, string channel, int length);
}
