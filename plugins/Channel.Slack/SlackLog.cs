using Microsoft.Extensions.Logging;

namespace Promoter.Channel.Slack;

internal static partial class SlackLog
{
    [LoggerMessage(8501, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8502, LogLevel.Warning, "Channel {Channel}: the message was posted but chart {Title} could not be uploaded: {Result}")]
    public static partial void UploadFailed(ILogger logger, string channel, string title, string result);

    [LoggerMessage(8503, LogLevel.Information, "Channel {Channel}: message {MessageId} cannot be updated ({Result}); posting a new one")]
    public static partial void UpdateFallback(ILogger logger, string channel, string messageId, string result);

    [LoggerMessage(8504, LogLevel.Debug, "Channel {Channel}: waited {WaitMs} ms for Slack's per-channel pace")]
    public static partial void Paced(ILogger logger, string channel, double waitMs);
}
