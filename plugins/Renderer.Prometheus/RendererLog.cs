using Microsoft.Extensions.Logging;

namespace Promoter.Renderer.Prometheus;

internal static partial class RendererLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "Alert {AlertName}: the expression does not parse as PromQL ({Error}); plotting it whole without a threshold")]
    public static partial void UnparsableExpression(ILogger logger, string alertName, string error);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning,
        Message = "Alert {AlertName}: annotation {Annotation} is not a number ('{Value}'); using the inferred threshold")]
    public static partial void BadThresholdAnnotation(ILogger logger, string alertName, string annotation, string value);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "Alert {AlertName}: annotation {Annotation} names an unknown unit '{Value}' (use bytes, seconds, percent, percentunit or short)")]
    public static partial void BadUnitAnnotation(ILogger logger, string alertName, string annotation, string value);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug,
        Message = "Alert {AlertName}: no expression (no {Annotation} annotation and no g0.expr in generatorURL); no chart")]
    public static partial void NoExpression(ILogger logger, string alertName, string annotation);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning,
        Message = "Chart query failed: {Error}")]
    public static partial void QueryFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information,
        Message = "Alert {AlertName}: {Note}; add a sources entry for it to chart from the right Prometheus")]
    public static partial void UnmatchedSource(ILogger logger, string alertName, string note);
}
