using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Promoter.Abstractions.Configuration;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>
/// The web page: the alerts list (filters, live updates from the event stream), an alert's page (labels,
/// annotations, timeline with charts, deliveries with re-send, a silence link), the alert-quality report and the
/// template playground. Pages are rendered on the server with every value HTML-encoded, so they read without
/// script; app.js adds the live parts and builds what it adds with textContent only. CSS and script are embedded
/// resources: nothing is fetched from elsewhere and there is nothing to build.
/// </summary>
internal static class UiEndpoints
{
    private const string Html = "text/html; charset=utf-8";

    // Scripts and styles only from Promoter itself (no inline script: an injected <script> would not run even if
    // escaping failed); images also from the stores' own hosts.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly string[] Severities = ["critical", "error", "warning", "info", "none"];

    public static void MapUi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/app.js", () => Asset("app.js", "text/javascript; charset=utf-8"));
        app.MapGet("/ui/app.css", () => Asset("app.css", "text/css; charset=utf-8"));

        app.MapGet("/", async (HttpContext context, IAlertHistory store, RuntimeHolder holder, CancellationToken ct) =>
        {
            var q = context.Request.Query;
            var status = q["status"].ToString() is "firing" or "resolved" ? q["status"].ToString() : null;
            var receiver = Text(q, "receiver");
            var alertName = Text(q, "alertname");
            var severity = Text(q, "severity");
            var since = Text(q, "since");
            var until = Text(q, "until");
            string? error = null;
            var filter = new QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>
            {
                ["since"] = since ?? "",
                ["until"] = until ?? "",
            });
            if (!EventsEndpoints.TryParseFilter(filter, out var range, out var rangeError))
            {
                error = rangeError;
            }

            var alerts = (await store.QueryAlertsAsync(new AlertQuery(status, receiver, range.Since, 10_000), ct))
                .Where(a => alertName is null || a.AlertName == alertName)
                .Where(a => severity is null || a.Labels.GetValueOrDefault("severity") == severity)
                .Where(a => range.Until is null || a.LastReceivedAt < range.Until)
                .Take(500).ToList();

            var sb = Page(context, "Alerts", "list", "/");
            sb.Append("<h1>Alerts <span id=\"live\" class=\"off\" role=\"status\" aria-live=\"polite\">connecting…</span></h1>");
            sb.Append("<form class=\"filters\" id=\"filters\" method=\"get\" action=\"/\" aria-label=\"Filter alerts\">");
            Select(sb, "receiver", "Receiver", receiver, holder.Current.ReceiverNames.Where(n => n != "*"));
            sb.Append("<label>Alert name<input name=\"alertname\" list=\"alertnames\" value=\"").Append(E(alertName ?? "")).Append("\"></label>");
            sb.Append("<datalist id=\"alertnames\">");
            foreach (var n in alerts.Select(a => a.AlertName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                sb.Append("<option value=\"").Append(E(n)).Append("\">");
            }

            sb.Append("</datalist>");
            Select(sb, "severity", "Severity", severity, Severities.Concat(alerts.Select(a => a.Labels.GetValueOrDefault("severity") ?? ""))
                .Where(s => s.Length > 0).Distinct(StringComparer.Ordinal));
            Select(sb, "status", "Status", status, ["firing", "resolved"]);
            sb.Append("<label>Since<input name=\"since\" placeholder=\"24h or 2026-11-30T00:00:00Z\" value=\"").Append(E(since ?? "")).Append("\"></label>");
            sb.Append("<label>Until<input name=\"until\" placeholder=\"(now: live)\" value=\"").Append(E(until ?? "")).Append("\"></label>");
            sb.Append("<button class=\"primary\" type=\"submit\">Apply</button> <a class=\"button\" href=\"/\">Clear</a></form>");
            if (error is not null)
            {
                sb.Append("<p class=\"error\" role=\"alert\">").Append(E(error)).Append("</p>");
            }

            sb.Append("<p class=\"muted small\">Latest state of each alert per receiver, newest first. Export every state change: ")
              .Append("<a href=\"/api/v1/events?format=csv\">CSV</a> · <a href=\"/api/v1/events?format=ndjson\">NDJSON</a> · <a href=\"/api/v1/events\">JSON</a></p>");
            sb.Append("<div class=\"table-wrap\"><table id=\"alerts\"><caption class=\"skip\">Alerts</caption><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Alert</th><th scope=\"col\">Receiver</th>")
              .Append("<th scope=\"col\" class=\"hide-narrow\">Severity</th><th scope=\"col\">Started</th><th scope=\"col\" class=\"hide-narrow\">Ended</th><th scope=\"col\" class=\"hide-narrow\">Labels</th><th scope=\"col\" class=\"num\">Notifications</th></tr></thead><tbody>");
            if (alerts.Count == 0)
            {
                sb.Append("<tr id=\"empty\"><td colspan=\"8\">No alerts match. Point an Alertmanager webhook at <code>/webhook/&lt;receiver&gt;</code>; new ones appear here live.</td></tr>");
            }

            foreach (var a in alerts)
            {
                sb.Append("<tr data-key=\"").Append(E(a.Fingerprint + "|" + a.Receiver)).Append("\" data-count=\"").Append(N(a.Notifications)).Append("\"><td>")
                  .Append(Badge(a.Status)).Append("</td><td><a href=\"/alerts/").Append(U(a.Fingerprint)).Append("\">").Append(E(a.AlertName)).Append("</a>");
                if (a.Annotations.TryGetValue("summary", out var summary))
                {
                    sb.Append("<br><span class=\"muted small\">").Append(E(summary)).Append("</span>");
                }

                sb.Append("</td><td>").Append(E(a.Receiver)).Append("</td><td class=\"hide-narrow\">").Append(E(a.Labels.GetValueOrDefault("severity") ?? ""))
                  .Append("</td><td>").Append(Time(a.StartsAt)).Append("</td><td class=\"hide-narrow\">").Append(a.EndsAt is { } e ? Time(e) : "—")
                  .Append("</td><td class=\"labels hide-narrow\">").Append(Labels(a.Labels)).Append("</td><td class=\"num\">").Append(N(a.Notifications)).Append("</td></tr>");
            }

            sb.Append("</tbody></table></div>");
            return End(context, sb);
        });

        app.MapGet("/alerts/{fingerprint}", async (HttpContext context, string fingerprint, IAlertHistory store, IRenderedCharts charts, RuntimeHolder holder,
            TimeProvider time, CancellationToken ct) =>
        {
            var history = await store.GetAlertHistoryAsync(fingerprint, ct);
            if (history is null)
            {
                var missing = Page(context, "Not found", "missing", "/").Append("<h1>No such alert</h1><p>No alert with fingerprint <code>")
                    .Append(E(fingerprint)).Append("</code> is in the history (it may have been pruned). <a href=\"/\">All alerts</a></p>");
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return End(context, missing);
            }

            var runtime = holder.Current;
            var now = time.GetUtcNow();
            var latest = history.Changes[^1];
            var latestGroup = await store.GetGroupAsync(latest.GroupId, ct);
            var sb = Page(context, history.AlertName, "alert", "/", fingerprint);
            sb.Append("<p><a href=\"/\">← All alerts</a></p><h1>").Append(E(history.AlertName)).Append(' ').Append(Badge(latest.Status)).Append("</h1>");
            sb.Append("<div class=\"actions\">");
            if (SilenceLink(latestGroup?.ExternalUrl, history.Labels) is { } silence)
            {
                sb.Append("<a class=\"button\" href=\"").Append(E(silence)).Append("\" rel=\"noopener noreferrer\">Silence in Alertmanager</a>");
            }

            sb.Append("<a class=\"button\" href=\"/api/v1/alerts/").Append(U(fingerprint)).Append("/history\">History as JSON</a></div>");
            sb.Append("<h2>Labels</h2><dl class=\"kv\">");
            foreach (var (k, v) in history.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                sb.Append("<dt>").Append(E(k)).Append("</dt><dd>").Append(E(v)).Append("</dd>");
            }

            sb.Append("</dl><h2>Annotations</h2><dl class=\"kv\" id=\"annotations\">");
            foreach (var (k, v) in latest.Annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                sb.Append("<dt>").Append(E(k)).Append("</dt><dd>").Append(E(v)).Append("</dd>");
            }

            sb.Append("</dl><h2>Timeline</h2><div class=\"table-wrap\"><table id=\"timeline\"><thead><tr><th scope=\"col\">Received</th><th scope=\"col\">Status</th><th scope=\"col\">Receiver</th>")
              .Append("<th scope=\"col\" class=\"hide-narrow\">Started</th><th scope=\"col\" class=\"hide-narrow\">Ended</th><th scope=\"col\">Charts</th></tr></thead><tbody>");
            foreach (var change in Enumerable.Reverse(history.Changes))
            {
                sb.Append("<tr><td>").Append(Time(change.ReceivedAt)).Append("</td><td>").Append(Badge(change.Status))
                  .Append(change.IsRepeat ? " <span class=\"muted small\">repeat</span>" : "").Append("</td><td>").Append(E(change.Receiver))
                  .Append("</td><td class=\"hide-narrow\">").Append(Time(change.StartsAt)).Append("</td><td class=\"hide-narrow\">").Append(change.EndsAt is { } e ? Time(e) : "—").Append("</td><td>");
                var rendered = await charts.GetRenderedGroupAsync(change.GroupId, ct);
                if (rendered is not null)
                {
                    var group = await store.GetGroupAsync(change.GroupId, ct);
                    var imageStore = ChartLinks.StoreOf(runtime, group);
                    for (var i = 0; i < rendered.Images.Count; i++)
                    {
                        var image = rendered.Images[i];
                        // A group's charts are drawn per alert: show this alert's own (all of them when the group is gone).
                        if (group is not null && image.AlertIndex >= 0 && image.AlertIndex < group.Alerts.Count
                            && group.Alerts[image.AlertIndex].Fingerprint != fingerprint)
                        {
                            continue;
                        }

                        switch (ChartLinks.For(image, change.GroupId, i, imageStore, now))
                        {
                            case ChartLink.Direct d:
                                Img(sb, d.Url, image);
                                break;
                            case ChartLink.ThroughPromoter p:
                                Img(sb, p.Path, image);
                                break;
                            case ChartLink.Expired x:
                                sb.Append("<p class=\"expired\">").Append(E(image.Title)).Append(": ").Append(E(x.Message)).Append("</p>");
                                break;
                        }
                    }

                    foreach (var note in rendered.Notes)
                    {
                        sb.Append("<span class=\"muted small\">").Append(E(note)).Append("</span><br>");
                    }
                }

                sb.Append("</td></tr>");
            }

            sb.Append("</tbody></table></div><h2>Deliveries</h2><div class=\"table-wrap\"><table id=\"deliveries\"><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Channel</th><th scope=\"col\">State</th><th scope=\"col\" class=\"num\">Attempts</th>")
              .Append("<th scope=\"col\" class=\"hide-narrow\">Created</th><th scope=\"col\" class=\"hide-narrow\">Finished</th><th scope=\"col\">Detail</th><th scope=\"col\">Action</th></tr></thead><tbody>");
            foreach (var d in Enumerable.Reverse(history.Deliveries))
            {
                var id = N(d.DeliveryId);
                var state = d.State.ToString().ToLowerInvariant();
                sb.Append("<tr><td>").Append(id).Append("</td><td>").Append(E(d.Channel)).Append("</td><td id=\"delivery-state-").Append(id).Append("\">").Append(Badge(state))
                  .Append("</td><td class=\"num\" id=\"delivery-attempts-").Append(id).Append("\">").Append(N(d.Attempts)).Append("</td><td class=\"hide-narrow\">").Append(Time(d.CreatedAt))
                  .Append("</td><td class=\"hide-narrow\">").Append(d.FinishedAt is { } f ? Time(f) : "—").Append("</td><td class=\"muted small\" id=\"delivery-detail-").Append(id).Append("\">")
                  .Append(E(d.FailureReason is null ? d.LastError ?? d.MessageId ?? "" : $"{d.FailureReason}: {d.LastError}")).Append("</td><td>");
                if (d.State == DeliveryState.Failed)
                {
                    sb.Append("<button type=\"button\" class=\"resend\" data-delivery=\"").Append(id).Append("\" aria-describedby=\"resend-status-").Append(id)
                      .Append("\">Re-send</button> ");
                }

                sb.Append("<span class=\"small\" role=\"status\" id=\"resend-status-").Append(id).Append("\"></span></td></tr>");
            }

            sb.Append("</tbody></table></div>");
            return End(context, sb);
        });

        app.MapGet("/report", async (HttpContext context, IAlertEvents events, TimeProvider time, CancellationToken ct) =>
        {
            var sb = Page(context, "Alert quality", "report", "/report");
            sb.Append("<h1>Alert quality</h1><form class=\"filters\" method=\"get\" action=\"/report\" aria-label=\"Report range\">")
              .Append("<label>Since<input name=\"since\" placeholder=\"7d\" value=\"").Append(E(context.Request.Query["since"].ToString())).Append("\"></label>")
              .Append("<label>Until<input name=\"until\" placeholder=\"now\" value=\"").Append(E(context.Request.Query["until"].ToString())).Append("\"></label>")
              .Append("<label>Flap gap<input name=\"flap_gap\" placeholder=\"15m\" value=\"").Append(E(context.Request.Query["flap_gap"].ToString())).Append("\"></label>")
              .Append("<button class=\"primary\" type=\"submit\">Apply</button> <a class=\"button\" href=\"/api/v1/report").Append(E(context.Request.QueryString.Value ?? "")).Append("\">JSON</a></form>");
            if (!EventsEndpoints.TryParseReportQuery(context.Request.Query, time.GetUtcNow(), out var query, out var error))
            {
                sb.Append("<p class=\"error\" role=\"alert\">").Append(E(error)).Append("</p>");
                return End(context, sb);
            }

            var report = await events.GetQualityReportAsync(query, ct);
            sb.Append("<p class=\"muted small\">From ").Append(Time(report.Since)).Append(" to ").Append(Time(report.Until))
              .Append(". A flap is a firing that starts less than ").Append(E(DurationSyntax.Format(report.FlapGap))).Append(" after the same alert resolved.</p>");
            sb.Append("<h2>Noisiest ten</h2>");
            ReportTable(sb, report.Noisiest, "noisiest");
            sb.Append("<h2>Every alert and receiver</h2>");
            ReportTable(sb, report.Rows, "report");
            return End(context, sb);
        });

        app.MapGet("/playground", (HttpContext context) =>
        {
            var sb = Page(context, "Template playground", "playground", "/playground");
            sb.Append("<h1>Template playground</h1><p class=\"muted small\">Choose a receiver and one of its recent groups (or paste an Alertmanager payload), ")
              .Append("pick a channel and which of its templates to edit: the preview follows as you type. With a channel, its own code builds the message ")
              .Append("(the payload it would post, shown below, and a rendering of it as that service shows it); nothing is sent.</p>")
              .Append("<form class=\"stack\" id=\"playground\" aria-label=\"Template playground\"><div class=\"row\">")
              .Append("<label>Receiver<select id=\"pg-receiver\"></select></label>")
              .Append("<label>Group<select id=\"pg-group\"></select></label>")
              .Append("<label>Channel<select id=\"pg-channel\"></select></label>")
              .Append("<label>Template<select id=\"pg-field\"></select></label>")
              .Append("<label>Function set<select id=\"pg-profile\"><option value=\"alertmanager\">alertmanager</option><option value=\"dingtalk\">dingtalk</option></select></label></div>")
              .Append("<div class=\"grid2\"><div><label for=\"pg-template\">Template text</label><textarea id=\"pg-template\" rows=\"14\" spellcheck=\"false\">")
              .Append(E("{{ range .Alerts }}### {{ .Labels.alertname }} ({{ .Status }})\n{{ .Annotations.summary }}\n{{ end }}"))
              .Append("</textarea><p class=\"error\" id=\"pg-error\" role=\"alert\"></p><p class=\"small\" id=\"pg-where\"></p>")
              .Append("<label for=\"pg-payload\">Payload (Alertmanager webhook JSON; empty: a built-in sample)</label><textarea id=\"pg-payload\" rows=\"12\" spellcheck=\"false\"></textarea>")
              .Append("<h2>Template output</h2><pre class=\"output\" id=\"pg-output\"></pre></div>")
              .Append("<div><h2 id=\"pg-shows\">As a Markdown chat client shows it</h2><p class=\"notice\" id=\"pg-note\" role=\"status\"></p>")
              .Append("<div class=\"rendered\" id=\"pg-rendered\" aria-live=\"polite\"></div>")
              .Append("<h2>What the channel would send</h2><div id=\"pg-sent\"></div></div></div></form>");
            return End(context, sb);
        });
    }

    private static void Img(StringBuilder sb, string src, StoredGroupImage image) =>
        sb.Append("<img class=\"chart\" loading=\"lazy\" width=\"").Append(N(image.Width > 0 ? Math.Min(image.Width, 800) : 800)).Append("\" alt=\"")
          .Append(E(image.Title)).Append("\" src=\"").Append(E(src)).Append("\">");

    private static void ReportTable(StringBuilder sb, IReadOnlyList<AlertQualityRow> rows, string id)
    {
        sb.Append("<div class=\"table-wrap\"><table id=\"").Append(id).Append("\"><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">Receiver</th><th scope=\"col\" class=\"num\">Fired</th>")
          .Append("<th scope=\"col\" class=\"num\">Notifications</th><th scope=\"col\" class=\"num\">Firing total</th><th scope=\"col\" class=\"num\">Median firing</th>")
          .Append("<th scope=\"col\" class=\"num\">Flaps</th><th scope=\"col\" class=\"num\">Failed deliveries</th></tr></thead><tbody>");
        if (rows.Count == 0)
        {
            sb.Append("<tr><td colspan=\"8\">No alerts in this range.</td></tr>");
        }

        foreach (var r in rows)
        {
            sb.Append("<tr><td>").Append(E(r.AlertName)).Append("</td><td>").Append(E(r.Receiver)).Append("</td><td class=\"num\">").Append(N(r.Fired))
              .Append("</td><td class=\"num\">").Append(N(r.Notifications)).Append("</td><td class=\"num\">").Append(E(Duration(r.FiringSeconds)))
              .Append("</td><td class=\"num\">").Append(r.MedianFiringSeconds is { } m ? E(Duration(m)) : "—").Append("</td><td class=\"num\">").Append(N(r.Flaps))
              .Append("</td><td class=\"num\"><meter min=\"0\" max=\"1\" low=\"0.05\" high=\"0.2\" optimum=\"0\" value=\"")
              .Append(r.FailedShare.ToString("0.###", CultureInfo.InvariantCulture)).Append("\"></meter> ")
              .Append(N(r.FailedDeliveries)).Append('/').Append(N(r.Deliveries)).Append(" (").Append(r.FailedShare.ToString("0.#%", CultureInfo.InvariantCulture)).Append(")</td></tr>");
        }

        sb.Append("</tbody></table></div>");
    }

    /// <summary>
    /// Alertmanager's new-silence form, prefilled with the alert's labels as matchers (the form reads
    /// <c>filter={a="b",…}</c> from the URL). Only http(s) external URLs: a payload must not smuggle a
    /// javascript: link into the page.
    /// </summary>
    internal static string? SilenceLink(string? externalUrl, IReadOnlyDictionary<string, string> labels)
    {
        if (externalUrl is null || !Uri.TryCreate(externalUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        var matchers = string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}=\"{p.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""));
        return externalUrl.TrimEnd('/') + "/#/silences/new?filter=" + Uri.EscapeDataString("{" + matchers + "}");
    }

    private static IResult Asset(string name, string contentType)
    {
        using var stream = typeof(UiEndpoints).Assembly.GetManifestResourceStream("Promoter.Host.Web.Assets." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Results.Bytes(ms.ToArray(), contentType);
    }

    private static StringBuilder Page(HttpContext context, string title, string page, string current, string? fingerprint = null)
    {
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "same-origin";
        var sb = new StringBuilder(16384)
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
            .Append(E(title)).Append(" — Promoter</title><link rel=\"stylesheet\" href=\"/ui/app.css\"><script src=\"/ui/app.js\" defer></script></head><body data-page=\"")
            .Append(page).Append('"');
        if (fingerprint is not null)
        {
            sb.Append(" data-fingerprint=\"").Append(E(fingerprint)).Append('"');
        }

        sb.Append("><a class=\"skip\" href=\"#main\">Skip to content</a><header><nav aria-label=\"Main\"><span class=\"brand\">Promoter</span>");
        foreach (var (href, label) in new[] { ("/", "Alerts"), ("/report", "Report"), ("/playground", "Playground") })
        {
            sb.Append("<a href=\"").Append(href).Append('"').Append(href == current ? " aria-current=\"page\"" : "").Append('>').Append(label).Append("</a>");
        }

        return sb.Append("</nav></header><main id=\"main\">");
    }

    private static IResult End(HttpContext context, StringBuilder sb) =>
        Results.Content(sb.Append("</main></body></html>").ToString(), Html, statusCode: context.Response.StatusCode);

    private static void Select(StringBuilder sb, string name, string label, string? selected, IEnumerable<string> options)
    {
        sb.Append("<label>").Append(label).Append("<select name=\"").Append(name).Append("\"><option value=\"\">any</option>");
        foreach (var o in options)
        {
            sb.Append("<option").Append(o == selected ? " selected" : "").Append(" value=\"").Append(E(o)).Append("\">").Append(E(o)).Append("</option>");
        }

        sb.Append("</select></label>");
    }

    private static string? Text(IQueryCollection q, string name) => q[name].ToString() is { Length: > 0 } v ? v : null;

    private static string E(string s) => HtmlEncoder.Default.Encode(s);

    private static string U(string s) => UrlEncoder.Default.Encode(s);

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Badge(string status) => $"<span class=\"badge {(status is "firing" or "resolved" or "pending" or "succeeded" or "failed" ? status : "pending")}\">{E(status)}</span>";

    private static string Duration(double seconds) =>
        seconds < 1 ? "0s" : DurationSyntax.Format(TimeSpan.FromSeconds(Math.Round(seconds)));

    private static string Time(DateTimeOffset t) =>
        $"<time datetime=\"{t.ToString("o", CultureInfo.InvariantCulture)}\">{E(t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}</time>";

    private static string Labels(IReadOnlyDictionary<string, string> labels)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in labels.OrderBy(p => p.Key == "alertname" ? "" : p.Key, StringComparer.Ordinal))
        {
            sb.Append("<code>").Append(E(k)).Append('=').Append(E(v)).Append("</code>");
        }

        return sb.ToString();
    }
}
