using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Rendering;
using Promoter.Host.Runtime;

namespace Promoter.Host.Web;

/// <summary>On-demand tools for chat bots and people: render a query as a chart, preview a template.</summary>
internal static class ToolsEndpoints
{
    public static void MapTools(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/render", async Task<IResult> (HttpContext context, RuntimeHolder holder, CancellationToken ct) =>
        {
            var (body, error) = await JsonRequest.ReadAsync(context, WebJson.Api.RenderRequestBody, holder.Current.Settings.MaxBodyBytes,
                "{\"query\": \"rate(http_requests_total[5m]) > 10\"}");
            if (error is not null)
            {
                return error;
            }

            var runtime = holder.Current;
            // Writing into a store spends the operator's storage (and may publish the picture): with auth: configured
            // only a caller with its credentials may, even when auth.scope: webhooks leaves the endpoint open. This
            // holds for both forms, the PromQL query and the Grafana panel.
            if (body?.Store is not null && !WebhookAuthenticator.IsAuthorized(context.Request, runtime.Settings.Auth))
            {
                var challenge = WebhookAuthenticator.Challenge(runtime.Settings.Auth);
                if (challenge.Length > 0)
                {
                    context.Response.Headers.WWWAuthenticate = challenge;
                }

                return Results.Json(new ErrorBody("error", "store: saving into a store needs the auth: credentials; send them, or leave store out to get the image itself"),
                    WebJson.Api.ErrorBody, statusCode: StatusCodes.Status401Unauthorized);
            }

            if (body is { Dashboard: not null } or { PanelUrl: not null })
            {
                return await RenderGrafanaPanelAsync(body, runtime, context, ct);
            }

            if (body is null || string.IsNullOrWhiteSpace(body.Query))
            {
                return Bad("query is required, e.g. {\"query\": \"rate(http_requests_total[5m]) > 10\"}");
            }

            Abstractions.Storage.IImageStore? store = null;
            if (body.Store is not null && !runtime.Stores.TryGetValue(body.Store, out store))
            {
                return Bad($"store '{body.Store}' is not configured; configured: {string.Join(", ", runtime.Stores.Keys)}");
            }

            var rendererName = body.Renderer ?? runtime.Renderers.Keys.FirstOrDefault(k => runtime.Renderers[k] is IQueryChartRenderer);
            if (rendererName is null || !runtime.Renderers.TryGetValue(rendererName, out var renderer) || renderer is not IQueryChartRenderer charts)
            {
                return Bad($"renderer '{body.Renderer}' is not configured or cannot draw queries; configured: {string.Join(", ", runtime.Renderers.Keys)}");
            }

            var format = body.Format?.ToLowerInvariant() switch
            {
                null or "" or "png" => ImageFormat.Png,
                "svg" => ImageFormat.Svg,
                _ => (ImageFormat?)null,
            };
            if (format is null)
            {
                return Bad("format must be png or svg");
            }

            AlertImage image;
            try
            {
                image = await charts.RenderQueryAsync(new ChartQuery(body.Query)
                {
                    From = body.From,
                    To = body.To,
                    Threshold = body.Threshold,
                    Title = body.Title,
                    Format = format.Value,
                }, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return Results.Json(new ErrorBody("error", runtime.Redactor.Redact(e.Message)),
                    WebJson.Api.ErrorBody, statusCode: StatusCodes.Status502BadGateway);
            }

            if (store is null)
            {
                return Results.Bytes(image.Content.ToArray(), image.ContentType);
            }

            var stored = await Plugins.ImageGate.SaveAsync(store, image.Content, image.ContentType, ct);
            return Results.Json(new RenderStoredResponse(stored.Url.ToString(), stored.Key, stored.IsPublic, stored.ExpiresAt),
                WebJson.Api.RenderStoredResponse);
        });
    }

    /// <summary>
    /// POST /api/v1/templates/preview: renders a template text against a webhook payload (or a built-in sample)
    /// with the running template set: Alertmanager's defaults, plugin templates and the operator's files.
    /// </summary>
    public static void MapTemplatePreview(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/templates/preview", async Task<IResult> (HttpContext context, RuntimeHolder holder, CancellationToken ct) =>
        {
            var (body, error) = await JsonRequest.ReadAsync(context, WebJson.Api.PreviewRequestBody, holder.Current.Settings.MaxBodyBytes,
                "{\"template\": \"{{ template \\\"__subject\\\" . }}\"}");
            if (error is not null)
            {
                return error;
            }

            // With a channel, an empty template means "the channel's own (configured or built-in) template".
            if (body is null || (string.IsNullOrEmpty(body.Template) && body.Channel is null))
            {
                return Bad("template is required, e.g. {\"template\": \"{{ template \\\"__subject\\\" . }}\", \"data\": <an Alertmanager webhook payload>}");
            }

            Abstractions.Model.AlertGroup group;
            try
            {
                group = body.Data is { ValueKind: System.Text.Json.JsonValueKind.Object } data
                    ? AlertmanagerPayload.Parse(System.Text.Encoding.UTF8.GetBytes(data.GetRawText()))
                    : SamplePayload.Group;
            }
            catch (PayloadException e)
            {
                return Bad($"data: {e.Message}");
            }

            var runtime = holder.Current;
            var channelType = body.Channel is null ? null : runtime.Settings.Channels.FirstOrDefault(c => c.Name == body.Channel)?.Type;
            var output = "";
            try
            {
                if (!string.IsNullOrEmpty(body.Template))
                {
                    var profile = body.Profile ?? Abstractions.Templating.TemplateProfiles.Alertmanager;
                    // An e-mail body is an HTML template (Go's html/template escaping), as the e-mail channel compiles it.
                    var compiled = channelType == "email" && (body.Field ?? "html") == "html"
                        ? runtime.Templates.CompileHtml("preview", body.Template, profile)
                        : runtime.Templates.Compile("preview", body.Template, profile);
                    // Bounded like every execution (output, steps, time) and stopped as soon as the caller goes away.
                    output = compiled.Render(new Abstractions.Templating.TemplateInput(group), ct);
                }
            }
            catch (Abstractions.Templating.TemplateException e)
            {
                return Results.Json(new ErrorBody("error", e.Message), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            if (body.Channel is null)
            {
                return Results.Json(new PreviewResponse(output), WebJson.Api.PreviewResponse);
            }

            var (channel, channelError) = await ChannelPreview.RunAsync(holder, body.Channel, body.Field,
                string.IsNullOrEmpty(body.Template) ? null : body.Template, body.Profile, group, ct);
            return channel is null
                ? Results.Json(new ErrorBody("error", channelError ?? "the channel preview failed"), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status422UnprocessableEntity)
                : Results.Json(new PreviewResponse(output) { Channel = channel }, WebJson.Api.PreviewResponse);
        });
    }

    /// <summary>The Grafana panel form: {"dashboard": uid, "panelId": n, "vars": {…}} or {"panelUrl": …} (GrafanaImagesEndpoints draws it).</summary>
    private static Task<IResult> RenderGrafanaPanelAsync(RenderRequestBody body, PromoterRuntime runtime, HttpContext context, CancellationToken ct)
    {
        Uri? url = null;
        if (body.PanelUrl is not null && !Uri.TryCreate(body.PanelUrl, UriKind.Absolute, out url))
        {
            return Task.FromResult(Bad("panelUrl must be an absolute URL of a Grafana panel"));
        }

        if (url is null && body.PanelId is null)
        {
            return Task.FromResult(Bad("panelId is required with dashboard, e.g. {\"dashboard\": \"rYdddlPWk\", \"panelId\": 3, \"vars\": {\"instance\": \"node1:9100\"}}"));
        }

        var format = body.Format?.ToLowerInvariant() is "svg" ? ImageFormat.Svg : ImageFormat.Png;
        var query = new PanelQuery
        {
            Url = url,
            DashboardUid = body.Dashboard,
            PanelId = body.PanelId,
            From = body.From,
            To = body.To,
            Variables = body.Vars ?? [],
            Width = body.Width,
            Height = body.Height,
            Format = format,
        };
        var logger = context.RequestServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Promoter.Host.GrafanaImages");
        return GrafanaImagesEndpoints.RenderPanelForApiAsync(runtime, body.Renderer, body.Store, query, logger, ct);
    }

    private static IResult Bad(string message) =>
        Results.Json(new ErrorBody("error", message), WebJson.Api.ErrorBody, statusCode: StatusCodes.Status400BadRequest);
}
