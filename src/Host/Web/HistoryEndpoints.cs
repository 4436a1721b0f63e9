using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Promoter.Host.Pipeline;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>Alert history: the latest state of every alert, one alert's timeline, and a CSV export.</summary>
internal static class HistoryEndpoints
{
    public static void MapHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/alerts", async (HttpContext context, IAlertHistory store, CancellationToken ct) =>
        {
            var q = context.Request.Query;
            var status = q["status"].ToString();
            if (status.Length > 0 && status is not ("firing" or "resolved"))
            {
                return Bad("status must be firing or resolved");
            }

            DateTimeOffset? since = null;
            if (q["since"].ToString() is { Length: > 0 } s)
            {
                if (!TryParseTime(s, out var t))
                {
                    return Bad($"since: '{s}' is neither an RFC 3339 time nor Unix seconds");
                }

                since = t;
            }

            var limit = 100;
            if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10000))
            {
                return Bad("limit must be a number from 1 to 10000");
            }

            var alerts = await store.QueryAlertsAsync(new AlertQuery(status.Length == 0 ? null : status,
                q["receiver"].ToString() is { Length: > 0 } r ? r : null, since, limit), ct);
            if (string.Equals(q["format"].ToString(), "csv", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Text(ToCsv(alerts), "text/csv; charset=utf-8");
            }

            return Results.Json(alerts, WebJson.Api.IReadOnlyListAlertRecord);
        });
        app.MapGet("/api/v1/alerts/{fingerprint}/history", async (string fingerprint, IAlertHistory store, CancellationToken ct) =>
        {
            var history = await store.GetAlertHistoryAsync(fingerprint, ct);
            return history is null
                ? Results.Json(new ErrorBody("error", $"no alert with fingerprint '{fingerprint}' in the history"), WebJson.Api.ErrorBody, statusCode: 404)
                : Results.Json(history, WebJson.Api.AlertHistory);
        });
    }

    private static IResult Bad(string message) =>
        Results.Json(new ErrorBody("error", message), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    private static bool TryParseTime(string s, out DateTimeOffset t)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            t = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            return true;
        }

        return AlertmanagerPayload.TryParseRfc3339(s, out t);
    }

    internal static string ToCsv(IEnumerable<AlertRecord> alerts)
    {
        var sb = new StringBuilder();
        sb.Append("fingerprint,receiver,alertname,status,starts_at,ends_at,first_received_at,last_received_at,notifications,labels,summary\r\n");
        foreach (var a in alerts)
        {
            Field(a.Fingerprint); Field(a.Receiver); Field(a.AlertName); Field(a.Status);
            Field(a.StartsAt.ToString("o", CultureInfo.InvariantCulture));
            Field(a.EndsAt?.ToString("o", CultureInfo.InvariantCulture) ?? "");
            Field(a.FirstReceivedAt.ToString("o", CultureInfo.InvariantCulture));
            Field(a.LastReceivedAt.ToString("o", CultureInfo.InvariantCulture));
            Field(a.Notifications.ToString(CultureInfo.InvariantCulture));
            Field(string.Join(", ", a.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
            Field(a.Annotations.TryGetValue("summary", out var summary) ? summary : "", last: true);
        }

        return sb.ToString();

        void Field(string value, bool last = false)
        {
            // RFC 4180 quoting; a leading =,+,- or @ is prefixed so spreadsheets do not run it as a formula.
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
            {
                value = "'" + value;
            }

            if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                value = "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            }

            sb.Append(value).Append(last ? "\r\n" : ",");
        }
    }
}
