using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Promoter.Host.Metrics;
using Promoter.Host.Pipeline;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>
/// The webhook: answers 200 only after the group and its deliveries are committed to the state store.
/// 4xx for what retrying cannot fix (bad payload, auth, unknown receiver: Alertmanager never retries 4xx),
/// 503 for what it can (state store unavailable: Alertmanager retries 5xx).
/// </summary>
internal static partial class WebhookEndpoints
{
    public static void MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhook/{receiver}", (HttpContext c, string receiver) => HandleAsync(c, receiver));
        // Promoter (Go) took every receiver on one URL: the receiver comes from the payload.
        app.MapPost("/webhook", (HttpContext c, CancellationToken _) => HandleAsync(c, null));
        // Drop-in migration: Promoter (Go) and prometheus-webhook-dingtalk URLs.
        app.MapPost("/{receiver}/send", (HttpContext c, string receiver) => HandleAsync(c, receiver));
        app.MapPost("/dingtalk/{target}/send", (HttpContext c, string target) => HandleAsync(c, target));
    }

    private static async Task<IResult> HandleAsync(HttpContext context, string? receiverFromUrl)
    {
        var started = Stopwatch.GetTimestamp();
        var services = context.RequestServices;
        var holder = services.GetRequiredService<RuntimeHolder>();
        var metrics = services.GetRequiredService<PromoterMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Promoter.Webhook");
        var runtime = holder.Current;
        var settings = runtime.Settings;

        // Metric labels come only from configured receiver names: a label taken from the URL would let anyone
        // create one series per request (5,000 random names, 5,000 series). Nothing is counted before auth.
        var label = LabelFor(runtime, receiverFromUrl);
        if (!WebhookAuthenticator.IsAuthorized(context.Request, settings.Auth))
        {
            Count(metrics, UnknownLabel, "unauthorized");
            var challenge = WebhookAuthenticator.Challenge(settings.Auth);
            if (challenge.Length > 0)
            {
                context.Response.Headers.WWWAuthenticate = challenge;
            }

            return Error(StatusCodes.Status401Unauthorized,
                "missing or wrong credentials: configure Alertmanager's webhook http_config to match Promoter's auth: section");
        }

        if (!JsonRequest.HasJsonContentType(context.Request))
        {
            Count(metrics, label, "invalid");
            return JsonRequest.UnsupportedMediaType(context.Request, "Alertmanager sends application/json; point a webhook_config at this URL");
        }

        byte[] body;
        try
        {
            body = await BoundedBody.ReadAsync(context.Request, settings.MaxBodyBytes, context.RequestAborted);
        }
        catch (BoundedBody.TooLargeException)
        {
            Count(metrics, label, "too_large");
            return Error(StatusCodes.Status413PayloadTooLarge,
                $"the body is larger than {settings.MaxBodyBytes} bytes; raise webhook.max_body_bytes or set max_alerts in Alertmanager's webhook_config");
        }

        Abstractions.Model.AlertGroup group;
        try
        {
            group = AlertmanagerPayload.Parse(body);
        }
        catch (PayloadException e)
        {
            Count(metrics, label, "invalid");
            LogInvalidPayload(logger, label, e.Message);
            return Error(StatusCodes.Status400BadRequest, e.Message);
        }

        // The URL names the route; on the bare /webhook the payload's own (unescaped) receiver does.
        var receiverName = receiverFromUrl is null ? group.Receiver : AlertmanagerPayload.UnescapeReceiver(receiverFromUrl);
        var route = runtime.RouteFor(receiverName);
        if (route is null)
        {
            Count(metrics, UnknownLabel, "unknown_receiver");
            var known = string.Join(", ", runtime.ReceiverNames);
            return Error(StatusCodes.Status404NotFound,
                $"receiver '{receiverName}' is not configured; configured receivers: {(known.Length == 0 ? "(none)" : known)}");
        }

        var store = services.GetRequiredService<IOutbox>();
        var time = services.GetRequiredService<TimeProvider>();
        EnqueueResult result;
        try
        {
            // The receiver named by the URL is the route; the payload's own name is kept in the group.
            var routed = group with { Receiver = receiverName };
            result = await store.EnqueueAsync(new NewGroup(routed, Encoding.UTF8.GetString(body), route.ChannelNames,
                time.GetUtcNow(), DedupeKey.Compute(routed), settings.Delivery.DedupeWindow), context.RequestAborted);
        }
        catch (StateStoreException e)
        {
            Count(metrics, route.Name, "unavailable");
            LogStoreUnavailable(logger, receiverName, e.Message);
            return Error(StatusCodes.Status503ServiceUnavailable,
                "the state store is unavailable; Alertmanager will retry", retryAfter: true, context);
        }

        if (!result.Duplicate)
        {
            services.GetRequiredService<RenderAhead>().Enqueue(result.GroupId, route);
        }

        services.GetRequiredService<IntakeSignal>().Notify();
        services.GetRequiredService<HistoryEventSignal>().Notify();
        Count(metrics, route.Name, result.Duplicate ? "duplicate" : "accepted");
        metrics.WebhookDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return Results.Json(new WebhookAccepted(result.Duplicate ? "duplicate" : "accepted", result.GroupId, group.Alerts.Count, route.ChannelNames),
            WebJson.Api.WebhookAccepted);
    }

    private const string UnknownLabel = "unknown";

    /// <summary>The configured receiver a URL names (the catch-all's own name, <c>*</c>, for others), or "unknown".</summary>
    private static string LabelFor(PromoterRuntime runtime, string? receiverFromUrl) =>
        receiverFromUrl is null ? UnknownLabel : runtime.FindReceiver(AlertmanagerPayload.UnescapeReceiver(receiverFromUrl))?.Name ?? UnknownLabel;

    private static void Count(PromoterMetrics metrics, string receiver, string result) =>
        metrics.WebhooksReceived.Add(1, new TagList { { "receiver", receiver }, { "result", result } });

    private static IResult Error(int status, string message, bool retryAfter = false, HttpContext? context = null)
    {
        if (retryAfter && context is not null)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        return Results.Json(new ErrorBody("error", message), WebJson.Api.ErrorBody, statusCode: status);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected webhook for {Receiver}: {Error}")]
    private static partial void LogInvalidPayload(ILogger logger, string receiver, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook for {Receiver} answered 503: state store unavailable: {Error}")]
    private static partial void LogStoreUnavailable(ILogger logger, string receiver, string error);
}

internal sealed record WebhookAccepted(string Status, long GroupId, int Alerts, IReadOnlyList<string> Channels);

internal sealed record ErrorBody(string Status, string Error);
