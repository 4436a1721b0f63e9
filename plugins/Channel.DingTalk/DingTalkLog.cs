using Microsoft.Extensions.Logging;

namespace Promoter.Channel.DingTalk;

internal static partial class DingTalkLog
{
    [LoggerMessage(8101, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8102, LogLevel.Information, "Channel {Channel}: the message is {Bytes} bytes, over DingTalk's {Limit}-byte limit; sending it in {Parts} parts")]
    public static partial void Split(ILogger logger, string channel, int bytes, int limit, int parts);

    [LoggerMessage(8103, LogLevel.Warning, "Channel {Channel}: alert {Alert} alone is over DingTalk's {Limit}-byte limit; its text was truncated")]
    public static partial void Truncated(ILogger logger, string channel, string alert, int limit);

    [LoggerMessage(8104, LogLevel.Debug, "Channel {Channel}: waited {WaitMs} ms for the robot's rate limit")]
    public static partial void Paced(ILogger logger, string channel, double waitMs);

    [LoggerMessage(8105, LogLevel.Warning, "Channel {Channel}: part {Part} of {Parts} failed: {Result}")]
    public static partial void PartFailed(ILogger logger, string channel, int part, int parts, string result);

    [LoggerMessage(8106, LogLevel.Information, "Channel {Channel}: resuming after {Sent} of {Parts} parts already delivered")]
    public static partial void Resuming(ILogger logger, string channel, int sent, int parts);
}
