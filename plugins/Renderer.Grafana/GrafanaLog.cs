using Microsoft.Extensions.Logging;

namespace Promoter.Renderer.Grafana;

internal static partial class GrafanaLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information,
        Message = "Grafana panel {Dashboard}/{PanelId} ('{Title}'): {Mode} mode ({Reason}), {Milliseconds} ms")]
    public static partial void Rendered(ILogger logger, string dashboard, int panelId, string title, string mode, string reason, long milliseconds);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning,
        Message = "Grafana panel for alert {AlertName} not drawn: {Error}")]
    public static partial void Failed(ILogger logger, string alertName, string error);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error,
        Message = "Grafana at {Grafana} refused the configured token ({Error}); no request with it until {RetryAt:u} (check token_file and the service account's role)")]
    public static partial void AuthRefused(ILogger logger, string grafana, string error, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning,
        Message = "Alert {AlertName}: panel URL on host '{Host}' refused: only {Allowed} are allowed (add it to allowed_hosts if it is a Grafana you trust)")]
    public static partial void HostRefused(ILogger logger, string alertName, string host, string allowed);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Debug,
        Message = "Alert {AlertName}: no Grafana panel (no __dashboardUid__/__panelId__ or {Annotation} annotation)")]
    public static partial void NoPanel(ILogger logger, string alertName, string annotation);
}
