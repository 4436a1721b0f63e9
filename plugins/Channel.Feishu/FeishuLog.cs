using Microsoft.Extensions.Logging;

namespace Promoter.Channel.Feishu;

internal static partial class FeishuLog
{
    [LoggerMessage(8401, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending the built-in message instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);

    [LoggerMessage(8402, LogLevel.Information, "Channel {Channel}: the card is {Bytes} bytes, over Feishu's {Limit}-byte body limit; sending it as {Parts} cards")]
    public static partial void Split(ILogger logger, string channel, int bytes, int limit, int parts);

    [LoggerMessage(8403, LogLevel.Warning, "Channel {Channel}: alert {Alert} alone is over Feishu's {Limit}-byte body limit; its text was truncated")]
    public static partial void Truncated(ILogger logger, string channel, string alert, int limit);

    [LoggerMessage(8404, LogLevel.Debug, "Channel {Channel}: waited {WaitMs} ms for the bot's rate limit")]
    public static partial void Paced(ILogger logger, string channel, double waitMs);

    [LoggerMessage(8405, LogLevel.Warning, "Channel {Channel}: card {Part} of {Parts} failed: {Result}")]
    public static partial void PartFailed(ILogger logger, string channel, int part, int parts, string result);

    [LoggerMessage(8406, LogLevel.Information, "Channel {Channel}: resuming after {Sent} of {Parts} cards already delivered")]
    public static partial void Resuming(ILogger logger, string channel, int sent, int parts);

    [LoggerMessage(8407, LogLevel.Warning, "Channel {Channel}: chart '{Title}' not uploaded, linking it instead: {Reason}")]
    public static partial void UploadFailed(ILogger logger, string channel, string title, string reason);

    [LoggerMessage(8408, LogLevel.Warning, "Channel {Channel}: mention template failed, mentioning only the configured people: {Error}")]
    public static partial void MentionTemplateFailed(ILogger logger, string channel, string error);

    [LoggerMessage(8409, LogLevel.Debug, "Channel {Channel}: got a tenant access token valid for {Seconds}s")]
    public static partial void TokenRefreshed(ILogger logger, string channel, int seconds);
}
