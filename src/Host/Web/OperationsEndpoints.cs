using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Promoter.Host.Metrics;
using Promoter.Host.Plugins;
using Promoter.Host.Runtime;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>Health, readiness, reload, metrics and the plugin list (Prometheus's conventions).</summary>
internal static class OperationsEndpoints
{
    public static void MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/-/healthy", () => Results.Text("Promoter is Healthy.\n"));
        // Ready means the webhook can commit: the configuration is loaded and the state store answers (with PostgreSQL
        // a round trip to the server, so that a load balancer stops sending to a replica that lost its database).
        app.MapGet("/-/ready", async (RuntimeHolder holder, IStateStore state, CancellationToken ct) =>
        {
            if (!holder.IsLoaded)
            {
                return Results.Text("Promoter is not ready: configuration not loaded.\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var health = await state.CheckHealthAsync(ct);
            return health.Healthy
                ? Results.Text("Promoter is Ready.\n")
                : Results.Text($"Promoter is not ready: the state store cannot be used ({health.Problem}).\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPost("/-/reload", async (HttpContext context, RuntimeHolder holder, CancellationToken ct) =>
        {
            // curl -X POST sends no body; a web page could send a form or text/plain in a visitor's browser.
            if (WebhookAuthenticator.IsCrossSiteForm(context.Request))
            {
                return Results.Json(new ErrorBody("error", "reload refused: a cross-site or form POST; send POST /-/reload without a body (curl -X POST) or with Content-Type: application/json"),
                    WebJson.Api.ErrorBody, statusCode: StatusCodes.Status415UnsupportedMediaType);
            }

            var errors = await holder.ReloadAsync(ct);
            return errors.Count == 0
                ? Results.Json(new ReloadResult("success", []), WebJson.Api.ReloadResult)
                : Results.Json(new ReloadResult("error", errors.Select(e => e.ToString()).ToList()), WebJson.Api.ReloadResult,
                    statusCode: StatusCodes.Status400BadRequest);
        });
        app.MapGet("/metrics", async (PrometheusTextExporter exporter, PromoterMetrics metrics, IOutbox store, TimeProvider time, CancellationToken ct) =>
        {
            try
            {
                var stats = await store.GetQueueStatsAsync(time.GetUtcNow(), ct);
                metrics.SetQueue(stats.Pending, stats.OldestPendingAge);
            }
            catch (StateStoreException)
            {
                // Keep the last known queue figures.
            }

            return Results.Text(exporter.Collect(), "text/plain; version=0.0.4; charset=utf-8");
        });
        app.MapGet("/api/v1/plugins", (RuntimeHolder holder) => Results.Json(
            holder.Catalog.Plugins.Select(ToView).ToList(), WebJson.Api.ListPluginView));
    }

    public static PluginView ToView(PluginStatus p) =>
        new(p.Folder, p.Id, p.Version, p.Contract, p.State switch { PluginState.Loaded => "loaded", PluginState.Available => "available", _ => "failed" }, p.Error, p.Provides);
}
