using Microsoft.Extensions.Logging;

namespace Promoter.Channel.WeCom;

internal static partial class WeComLog
{
    [LoggerMessage(8801, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8802, LogLevel.Information, "Channel {Channel}: the message is {Bytes} bytes, over WeCom's {Limit}-byte markdown limit; sending it in {Parts} parts")]
    public static partial void Split(ILogger logger, string channel, int bytes, int limit, int parts);

    [LoggerMessage(8803, LogLevel.Warning, "Channel {Channel}: alert {Alert} alone is over WeCom's {Limit}-byte markdown limit; its text was truncated")]
    public static partial void Truncated(ILogger logger, string channel, string alert, int limit);

    [LoggerMessage(8804, LogLevel.Debug, "Channel {Channel}: waited {WaitMs} ms for the robot's rate limit")]
    public static partial void Paced(ILogger logger, string channel, double waitMs);

    [LoggerMessage(8805, LogLevel.Warning, "Channel {Channel}: message {Part} of {Parts} failed: {Result}")]
    public static partial void PartFailed(ILogger logger, string channel, int part, int parts, string result);

    [LoggerMessage(8806, LogLevel.Information, "Channel {Channel}: resuming after {Sent} of {Parts} messages already delivered")]
    public static partial void Resuming(ILogger logger, string channel, int sent, int parts);

    [LoggerMessage(8807, LogLevel.Warning, "Channel {Channel}: chart '{Title}' not sent as an image: {Reason}")]
    public static partial void ImageSkipped(ILogger logger, string channel, string title, string reason);

    [LoggerMessage(8808, LogLevel.Warning, "Channel {Channel}: mention template failed, mentioning only the configured people: {Error}")]
    public static partial void MentionTemplateFailed(ILogger logger, string channel, string error);
}
