using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Storage;
using Promoter.Host.Pipeline;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>
/// Every state change as events (JSON pages, or a complete NDJSON/CSV export), the same records as a live
/// Server-Sent Events stream, the alert-quality report, and what the web page needs besides: re-send a failed
/// delivery, the playground's receivers and payloads, and charts served through Promoter.
/// </summary>
internal static class EventsEndpoints
{
    private const int DefaultPageSize = 500;
    private const int MaxStreams = 256;

    // A comment line this often keeps proxies (nginx's proxy_read_timeout defaults to 60 s) from closing an idle
    // stream, and lets the server notice a client that went away.
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static int s_openStreams;

    public static void MapEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", async (HttpContext context, IAlertEvents events, CancellationToken ct) =>
        {
            if (!TryParseFilter(context.Request.Query, out var filter, out var error))
            {
                await WriteErrorAsync(context, 400, error, ct);
                return;
            }

            var format = Format(context.Request);
            if (format is null)
            {
                await WriteErrorAsync(context, 400, "format must be json, ndjson or csv", ct);
                return;
            }

            if (format == "json")
            {
                var page = await events.ReadEventsAsync(filter, ct);
                if (page.Next is { } next)
                {
                    context.Response.Headers.Link = $"<{NextUrl(context.Request, next)}>; rel=\"next\"";
                }

                await context.Response.WriteAsJsonAsync(new EventPageBody(page.Events, page.Next), EventsJson.Api.EventPageBody, contentType: null, ct);
                return;
            }

            // NDJSON and CSV are complete exports: every matching event from the cursor on, streamed page by page
            // so that a million rows never sit in memory. A limit, when given, still caps the total.
            var cap = context.Request.Query.ContainsKey("limit") ? filter.Limit : long.MaxValue;
            context.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
            if (format == "csv")
            {
                context.Response.Headers.ContentDisposition = "attachment; filename=\"promoter-events.csv\"";
            }

            await EventExport.WriteAsync(context, events, filter, format == "csv", cap, ct);
        });

        app.MapGet("/api/v1/events/stream", StreamAsync);

        app.MapGet("/api/v1/report", async (HttpContext context, IAlertEvents events, TimeProvider time, CancellationToken ct) =>
        {
            if (!TryParseReportQuery(context.Request.Query, time.GetUtcNow(), out var query, out var error))
            {
                return Bad(error);
            }

            return Results.Json(await events.GetQualityReportAsync(query, ct), EventsJson.Api.AlertQualityReport);
        });

        app.MapPost("/api/v1/deliveries/{id}/resend", async (HttpContext context, string id, IAlertEvents events,
            IntakeSignal intake, TimeProvider time, CancellationToken ct) =>
        {
            if (CrossSiteCheck.Reject(context.Request) is { } refusal)
            {
                return Results.Json(new ErrorBody("error", refusal), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status403Forbidden);
            }

            if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var deliveryId))
            {
                return Bad($"'{id}' is not a delivery id (a number, as in /api/v1/alerts/<fingerprint>/history)");
            }

            var outcome = await events.RequeueFailedDeliveryAsync(deliveryId, time.GetUtcNow(), ct);
            switch (outcome)
            {
                case RequeueOutcome.NotFound:
                    return Results.Json(new ErrorBody("error", $"no delivery {deliveryId} in the history"), WebJson.Api.ErrorBody, statusCode: 404);
                case RequeueOutcome.NotFailed:
                    return Results.Json(new ErrorBody("error", $"delivery {deliveryId} has not failed (it is pending or succeeded): only a failed delivery can be re-sent"),
                        WebJson.Api.ErrorBody, statusCode: StatusCodes.Status409Conflict);
                default:
                    intake.Notify();
                    return Results.Json(new ResendAccepted("requeued", deliveryId), EventsJson.Api.ResendAccepted, statusCode: StatusCodes.Status202Accepted);
            }
        });

        app.MapGet("/api/v1/receivers", async (RuntimeHolder holder, IAlertEvents events, CancellationToken ct) =>
        {
            var runtime = holder.Current;
            var list = new List<ReceiverView>();
            foreach (var r in runtime.Settings.Receivers)
            {
                var channels = r.Channels.Select(name => ChannelView(runtime, name)).ToList();
                list.Add(new ReceiverView(r.Name, channels, await events.GetRecentGroupsAsync(r.Name, 10, ct)));
            }

            return Results.Json(list, EventsJson.Api.ListReceiverView);
        });

        app.MapGet("/api/v1/groups/{id}/payload", async (string id, IAlertEvents events, CancellationToken ct) =>
        {
            if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var groupId))
            {
                return Bad($"'{id}' is not a group id (a number)");
            }

            return await events.GetGroupPayloadAsync(groupId, ct) is { } payload
                ? Results.Text(payload, "application/json; charset=utf-8")
                : Results.Json(new ErrorBody("error", $"no group {groupId} in the history (pruned, or never received)"), WebJson.Api.ErrorBody, statusCode: 404);
        });

        app.MapGet("/ui/images/{groupId}/{index}", async (string groupId, string index, IRenderedCharts charts, IAlertHistory history, RuntimeHolder holder, CancellationToken ct) =>
        {
            if (!long.TryParse(groupId, NumberStyles.None, CultureInfo.InvariantCulture, out var g)
                || !int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                return Bad("the image path is /ui/images/<group id>/<image index>");
            }

            var image = await ChartLinks.ReadAsync(charts, history, holder.Current, g, i, ct);
            return image is null
                ? Results.Json(new ErrorBody("error", "this chart is no longer kept by its image store (its retention ran out)"), WebJson.Api.ErrorBody, statusCode: 404)
                : Results.Bytes(image.Value.Bytes, image.Value.ContentType);
        });
    }

    private static async Task StreamAsync(HttpContext context, IAlertEvents events, HistoryEventSignal signal, CancellationToken ct)
    {
        if (!TryParseFilter(context.Request.Query, out var filter, out var error))
        {
            await WriteErrorAsync(context, 400, error, ct);
            return;
        }

        if (Interlocked.Increment(ref s_openStreams) > MaxStreams)
        {
            Interlocked.Decrement(ref s_openStreams);
            context.Response.Headers.RetryAfter = "10";
            await WriteErrorAsync(context, 503, $"too many open event streams (at most {MaxStreams}); retry later", ct);
            return;
        }

        try
        {
            // Resume after the last event the client saw (EventSource sends Last-Event-ID on reconnect); a new
            // client starts at 'after' when given, otherwise with what arrives from now on.
            long cursor;
            var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
            if (lastEventId.Length > 0)
            {
                if (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out cursor))
                {
                    await WriteErrorAsync(context, 400, $"Last-Event-ID '{lastEventId}' is not an event id", ct);
                    return;
                }
            }
            else
            {
                cursor = context.Request.Query.ContainsKey("after") ? filter.After : await events.GetLatestEventIdAsync(ct);
            }

            context.Response.ContentType = "text/event-stream; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            // nginx buffers proxied responses unless told otherwise; an event stream must not wait in a buffer.
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.WriteAsync("retry: 2000\n\n", ct);
            await context.Response.Body.FlushAsync(ct);

            var query = filter with { Limit = DefaultPageSize };
            var sb = new StringBuilder(16 * 1024);
            while (!ct.IsCancellationRequested)
            {
                var wake = signal.NextAsync();
                var latest = await events.GetLatestEventIdAsync(ct);
                var page = await events.ReadEventsAsync(query with { After = cursor }, ct);
                if (page.Events.Count == 0)
                {
                    // Nothing up to 'latest' matched the filter: the next read starts after it, so rows that a
                    // filter skips are not read again at every wake-up.
                    cursor = Math.Max(cursor, latest);
                }
                else
                {
                    sb.Clear();
                    foreach (var e in page.Events)
                    {
                        sb.Append("id: ").Append(e.Id.ToString(CultureInfo.InvariantCulture)).Append("\nevent: alert\ndata: ")
                          .Append(JsonSerializer.Serialize(e, EventsJson.Api.AlertEvent)).Append("\n\n");
                    }

                    cursor = page.Events[^1].Id;
                    await context.Response.WriteAsync(sb.ToString(), ct);
                    await context.Response.Body.FlushAsync(ct);
                    if (page.Next is not null)
                    {
                        continue;
                    }
                }

                var finished = await Task.WhenAny(wake, Task.Delay(KeepAlive, ct));
                if (finished != wake)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            Interlocked.Decrement(ref s_openStreams);
        }
    }

    private static ChannelView ChannelView(PromoterRuntime runtime, string name)
    {
        var section = runtime.Settings.Channels.FirstOrDefault(c => c.Name == name);
        var template = section?.Settings.Node["template"] as Abstractions.Configuration.SettingsMapping;
        string? Get(string key) => (template?[key] as Abstractions.Configuration.SettingsScalar)?.Value;
        var type = runtime.Channels.TryGetValue(name, out var c) ? c.Type : section?.Type ?? "";
        var fields = ChannelPreview.TemplateFields(type);
        return new ChannelView(name, type, Get("title"), Get("text"), Get("profile"))
        {
            Fields = fields,
            Templates = fields.Where(f => Get(f) is not null).ToDictionary(f => f, f => Get(f)!, StringComparer.Ordinal),
        };
    }

    internal static bool TryParseFilter(IQueryCollection q, out AlertEventQuery filter, out string error)
    {
        filter = new AlertEventQuery();
        error = "";
        var status = q["status"].ToString();
        if (status.Length > 0 && status is not ("firing" or "resolved"))
        {
            error = $"status: '{status}' is neither firing nor resolved";
            return false;
        }

        long after = 0;
        if (q["after"].ToString() is { Length: > 0 } a && !long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            error = $"after: '{a}' is not an event id (use the 'next' of the previous page)";
            return false;
        }

        var limit = DefaultPageSize;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10000))
        {
            error = "limit must be a number from 1 to 10000";
            return false;
        }

        if (!TryTime(q, "since", out var since, ref error) || !TryTime(q, "until", out var until, ref error))
        {
            return false;
        }

        filter = new AlertEventQuery(after, since, until, Text(q, "receiver"), Text(q, "alertname"),
            status.Length == 0 ? null : status, limit);
        return true;
    }

    internal static bool TryParseReportQuery(IQueryCollection q, DateTimeOffset now, out AlertQualityQuery query, out string error)
    {
        query = new AlertQualityQuery(now, now, TimeSpan.Zero, now);
        error = "";
        if (!TryTime(q, "since", out var since, ref error) || !TryTime(q, "until", out var until, ref error))
        {
            return false;
        }

        var gap = TimeSpan.FromMinutes(15);
        if (q["flap_gap"].ToString() is { Length: > 0 } g && !DurationSyntax.TryParse(g, out gap))
        {
            error = $"flap_gap: '{g}' is not a duration such as 10m or 1h";
            return false;
        }

        query = new AlertQualityQuery(since ?? now.AddDays(-7), until ?? now, gap, now);
        if (query.Since >= query.Until)
        {
            error = "since must be before until";
            return false;
        }

        return true;
    }

    private static bool TryTime(IQueryCollection q, string name, out DateTimeOffset? value, ref string error)
    {
        value = null;
        var s = q[name].ToString();
        if (s.Length == 0)
        {
            return true;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            return true;
        }

        if (AlertmanagerPayload.TryParseRfc3339(s, out var t))
        {
            value = t;
            return true;
        }

        // A relative age (since=24h) is what a person types.
        if (DurationSyntax.TryParse(s, out var ago))
        {
            value = DateTimeOffset.UtcNow - ago;
            return true;
        }

        error = $"{name}: '{s}' is neither an RFC 3339 time, Unix seconds nor a duration such as 24h";
        return false;
    }

    private static string? Text(IQueryCollection q, string name) => q[name].ToString() is { Length: > 0 } v ? v : null;

    private static string? Format(HttpRequest request)
    {
        var format = request.Query["format"].ToString().ToLowerInvariant();
        if (format.Length == 0)
        {
            var accept = request.Headers.Accept.ToString();
            format = accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase) ? "csv"
                : accept.Contains("ndjson", StringComparison.OrdinalIgnoreCase) ? "ndjson" : "json";
        }

        return format is "json" or "ndjson" or "csv" ? format : null;
    }

    private static string NextUrl(HttpRequest request, long next)
    {
        var parts = request.Query.Where(p => p.Key != "after")
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value.ToString()))
            .Append("after=" + next.ToString(CultureInfo.InvariantCulture));
        return request.Path + "?" + string.Join("&", parts);
    }

    private static IResult Bad(string message) =>
        Results.Json(new ErrorBody("error", message), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    private static Task WriteErrorAsync(HttpContext context, int status, string message, CancellationToken ct)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorBody("error", message), WebJson.Api.ErrorBody, contentType: null, ct);
    }
}

internal sealed record EventPageBody(IReadOnlyList<AlertEvent> Events, long? Next);

internal sealed record ResendAccepted(string Status, long DeliveryId);

internal sealed record ChannelView(string Name, string Type, string? TitleTemplate, string? TextTemplate, string? Profile)
{
    /// <summary>The channel's template keys, the body first; the playground replaces one of them.</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    /// <summary>The configured text of each key that is set (the plugin's built-in template otherwise).</summary>
    public IReadOnlyDictionary<string, string> Templates { get; init; } = new Dictionary<string, string>();
}

internal sealed record ReceiverView(string Name, IReadOnlyList<ChannelView> Channels, IReadOnlyList<GroupSummary> RecentGroups);

[JsonSerializable(typeof(EventPageBody))]
[JsonSerializable(typeof(AlertEvent))]
[JsonSerializable(typeof(AlertQualityReport))]
[JsonSerializable(typeof(ResendAccepted))]
[JsonSerializable(typeof(List<ReceiverView>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class EventsJson : JsonSerializerContext
{
    /// <summary>Relaxed escaping like <see cref="WebJson.Api"/>: these documents are served as JSON or event-stream
    /// data, which the page parses and inserts as text, never as HTML.</summary>
    public static EventsJson Api { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    });
}
