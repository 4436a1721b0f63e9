using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>
/// A small read-only web page: the latest state of every alert, and each alert's timeline with its charts
/// and deliveries. Rendered on the server (no script), every value HTML-encoded.
/// </summary>
internal static class UiEndpoints
{
    private const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:24px;color:#1f2328;background:#f6f8fa}
        h1{font-size:20px;margin:0 0 16px} h2{font-size:16px;margin:24px 0 8px} a{color:#0969da;text-decoration:none}
        table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
        th,td{padding:6px 10px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top} th{background:#f6f8fa;font-weight:600}
        .firing{color:#fff;background:#cf222e;border-radius:10px;padding:1px 8px;font-size:12px}
        .resolved{color:#fff;background:#1a7f37;border-radius:10px;padding:1px 8px;font-size:12px}
        .muted{color:#57606a} .labels code{background:#eaeef2;border-radius:4px;padding:0 4px;margin-right:4px;font-size:12px}
        .chart{margin:8px 0;max-width:100%;border:1px solid #d0d7de;background:#fff}
        """;

    public static void MapUi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (HttpContext context, IStateStore store, CancellationToken ct) =>
        {
            var status = context.Request.Query["status"].ToString() is "firing" or "resolved" ? context.Request.Query["status"].ToString() : null;
            var alerts = await store.QueryAlertsAsync(new AlertQuery(status, null, null, 500), ct);
            var sb = Page("Promoter — alerts");
            sb.Append("<h1>Alerts</h1><p class=\"muted\">Latest state of each alert per receiver. Filter: ")
              .Append("<a href=\"/\">all</a> · <a href=\"/?status=firing\">firing</a> · <a href=\"/?status=resolved\">resolved</a>")
              .Append(" · <a href=\"/api/v1/alerts?format=csv\">CSV</a></p>");
            if (alerts.Count == 0)
            {
                sb.Append("<p>No alerts yet. Point an Alertmanager webhook at <code>/webhook/&lt;receiver&gt;</code>.</p>");
            }
            else
            {
                sb.Append("<table><tr><th>Status</th><th>Alert</th><th>Receiver</th><th>Started</th><th>Ended</th><th>Labels</th><th>Notifications</th></tr>");
                foreach (var a in alerts)
                {
                    sb.Append("<tr><td>").Append(Badge(a.Status)).Append("</td><td><a href=\"/alerts/").Append(Url(a.Fingerprint)).Append("\">")
                      .Append(Html(a.AlertName)).Append("</a>");
                    if (a.Annotations.TryGetValue("summary", out var summary))
                    {
                        sb.Append("<br><span class=\"muted\">").Append(Html(summary)).Append("</span>");
                    }

                    sb.Append("</td><td>").Append(Html(a.Receiver)).Append("</td><td>").Append(Time(a.StartsAt))
                      .Append("</td><td>").Append(a.EndsAt is { } e ? Time(e) : "—").Append("</td><td class=\"labels\">").Append(Labels(a.Labels))
                      .Append("</td><td>").Append(a.Notifications.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
                }

                sb.Append("</table>");
            }

            return Results.Content(End(sb), "text/html; charset=utf-8");
        });

        app.MapGet("/alerts/{fingerprint}", async (string fingerprint, IStateStore store, CancellationToken ct) =>
        {
            var history = await store.GetAlertHistoryAsync(fingerprint, ct);
            if (history is null)
            {
                return Results.Content(End(Page("Not found").Append("<h1>No such alert</h1><p><a href=\"/\">All alerts</a></p>")),
                    "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
            }

            var sb = Page($"Promoter — {history.AlertName}");
            sb.Append("<p><a href=\"/\">← All alerts</a></p><h1>").Append(Html(history.AlertName)).Append("</h1><p class=\"labels\">")
              .Append(Labels(history.Labels)).Append("</p><h2>Timeline</h2><table><tr><th>Received</th><th>Status</th><th>Receiver</th><th>Started</th><th>Ended</th><th>Charts</th></tr>");
            foreach (var change in history.Changes)
            {
                sb.Append("<tr><td>").Append(Time(change.ReceivedAt)).Append("</td><td>").Append(Badge(change.Status))
                  .Append(change.IsRepeat ? " <span class=\"muted\">repeat</span>" : "").Append("</td><td>").Append(Html(change.Receiver))
                  .Append("</td><td>").Append(Time(change.StartsAt)).Append("</td><td>").Append(change.EndsAt is { } e ? Time(e) : "—").Append("</td><td>");
                var rendered = await store.GetRenderedGroupAsync(change.GroupId, ct);
                foreach (var image in rendered?.Images ?? [])
                {
                    if (image.Url is not null)
                    {
                        sb.Append("<img class=\"chart\" loading=\"lazy\" width=\"400\" alt=\"").Append(Html(image.Title)).Append("\" src=\"")
                          .Append(Html(image.Url)).Append("\"><br>");
                    }
                }

                foreach (var note in rendered?.Notes ?? [])
                {
                    sb.Append("<span class=\"muted\">").Append(Html(note)).Append("</span><br>");
                }

                sb.Append("</td></tr>");
            }

            sb.Append("</table><h2>Deliveries</h2><table><tr><th>Channel</th><th>State</th><th>Attempts</th><th>Created</th><th>Finished</th><th>Detail</th></tr>");
            foreach (var d in history.Deliveries)
            {
                sb.Append("<tr><td>").Append(Html(d.Channel)).Append("</td><td>").Append(Html(d.State.ToString())).Append("</td><td>")
                  .Append(d.Attempts.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(Time(d.CreatedAt)).Append("</td><td>")
                  .Append(d.FinishedAt is { } f ? Time(f) : "—").Append("</td><td class=\"muted\">")
                  .Append(Html(d.FailureReason is null ? d.MessageId ?? "" : $"{d.FailureReason}: {d.LastError}")).Append("</td></tr>");
            }

            sb.Append("</table>");
            return Results.Content(End(sb), "text/html; charset=utf-8");
        });
    }

    private static StringBuilder Page(string title) => new StringBuilder(8192)
        .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
        .Append(Html(title)).Append("</title><style>").Append(Style).Append("</style></head><body>");

    private static string End(StringBuilder sb) => sb.Append("</body></html>").ToString();

    private static string Html(string s) => HtmlEncoder.Default.Encode(s);

    private static string Url(string s) => UrlEncoder.Default.Encode(s);

    private static string Badge(string status) => $"<span class=\"{(status == "firing" ? "firing" : "resolved")}\">{Html(status)}</span>";

    private static string Time(DateTimeOffset t) =>
        $"<time datetime=\"{t.ToString("o", CultureInfo.InvariantCulture)}\">{Html(t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}</time>";

    private static string Labels(IReadOnlyDictionary<string, string> labels)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in labels.OrderBy(p => p.Key == "alertname" ? "" : p.Key, StringComparer.Ordinal))
        {
            sb.Append("<code>").Append(Html(k)).Append('=').Append(Html(v)).Append("</code>");
        }

        return sb.ToString();
    }
}
