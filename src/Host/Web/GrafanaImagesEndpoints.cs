using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Host.Runtime;

namespace Promoter.Host.Web;

/// <summary>
/// grafana-images' API as a drop-in (hubot-grafana with HUBOT_USE_GRAFANA_IMAGES, Sensu-style handlers):
/// <c>POST /grafana-images</c> with <c>{"imageUrl": "&lt;a Grafana render URL&gt;"}</c> and the caller's Grafana token in
/// <c>Authorization</c> answers <c>{"pubImg": "&lt;public URL&gt;"}</c>. The panel comes from the <c>grafana_images</c>
/// renderer (drawn natively where it can, else fetched from Grafana's renderer; only configured Grafana hosts, only a
/// valid PNG under the size cap), and is kept in the <c>grafana_images</c> store with that store's retention.
/// The caller's Authorization header goes to Grafana for this request only: it is never stored, logged or echoed.
/// Access is Grafana's to grant: Promoter's own auth does not apply here (the header is the Grafana token).
/// </summary>
internal static partial class GrafanaImagesEndpoints
{
    // {"imageUrl": "…"} is a URL and a few bytes of JSON; anything much larger is not a grafana-images request.
    private const int MaxBodyBytes = 16 * 1024;

    public static void MapGrafanaImages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/grafana-images", HandleAsync);
    }

    private static async Task<IResult> HandleAsync(HttpContext context, RuntimeHolder holder, CancellationToken ct)
    {
        var runtime = holder.Current;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Promoter.Host.GrafanaImages");
        if (runtime.Settings.GrafanaImages is not { } config)
        {
            return Error(StatusCodes.Status404NotFound,
                "POST /grafana-images is not configured: add grafana_images: { renderer: <a renderer of type grafana>, store: <a store> } to the configuration");
        }

        if (ReadPanelRenderer(runtime, config.Renderer) is not { } renderer)
        {
            return Error(StatusCodes.Status503ServiceUnavailable,
                $"renderer '{config.Renderer}' cannot draw Grafana panels (is the Renderer.Grafana plugin loaded? see /api/v1/plugins)");
        }

        if (!runtime.Stores.TryGetValue(config.Store, out var store))
        {
            return Error(StatusCodes.Status503ServiceUnavailable, $"store '{config.Store}' is not available (see /api/v1/plugins)");
        }

        GrafanaImagesRequest? body;
        try
        {
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                return Error(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {MaxBodyBytes} bytes; send only {{\"imageUrl\": \"<a Grafana render URL>\"}}");
            }

            using var limited = new MemoryStream();
            await CopyLimitedAsync(context.Request.Body, limited, MaxBodyBytes, ct);
            limited.Position = 0;
            body = limited.Length == 0 ? null : await JsonSerializer.DeserializeAsync(limited, GrafanaImagesJson.Default.GrafanaImagesRequest, ct);
        }
        catch (InvalidDataException)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {MaxBodyBytes} bytes; send only {{\"imageUrl\": \"<a Grafana render URL>\"}}");
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, $"the body is not valid JSON ({e.Message}); send {{\"imageUrl\": \"<a Grafana render URL>\"}}");
        }

        if (body?.ImageUrl is not { Length: > 0 } text)
        {
            return Error(StatusCodes.Status400BadRequest, "imageUrl is required: send {\"imageUrl\": \"https://grafana.example.com/render/d-solo/<uid>/?panelId=2&from=now-6h&to=now\"}");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return Error(StatusCodes.Status400BadRequest, "imageUrl must be an absolute http(s) URL of a Grafana panel render");
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return Error(StatusCodes.Status401Unauthorized,
                "send the Grafana token in the Authorization header (Authorization: Bearer <Grafana API key or service-account token>), as for grafana-images");
        }

        return await RenderAndStoreAsync(renderer, store, new PanelQuery { Url = url, Authorization = authorization }, logger, ct,
            image => Results.Json(new GrafanaImagesResponse(image.Url.ToString()), GrafanaImagesJson.Default.GrafanaImagesResponse));
    }

    /// <summary>The panel form of <c>POST /api/v1/render</c>: a PNG (or SVG), or its stored URL when a store is named.</summary>
    internal static async Task<IResult> RenderPanelForApiAsync(PromoterRuntime runtime, string? rendererName, string? storeName, PanelQuery query,
        ILogger logger, CancellationToken ct)
    {
        var name = rendererName ?? runtime.Renderers.Keys.FirstOrDefault(k => runtime.Renderers[k] is IPanelRenderer);
        if (name is null)
        {
            return Error(StatusCodes.Status400BadRequest,
                "no renderer of type grafana is configured, so Grafana panels cannot be drawn; add one under renderers:, such as grafana: { type: grafana, url: http://grafana:3000, token_file: … }");
        }

        if (ReadPanelRenderer(runtime, name) is not { } renderer)
        {
            return Error(StatusCodes.Status400BadRequest,
                $"renderer '{name}' is not configured or cannot draw Grafana panels; configured: {string.Join(", ", runtime.Renderers.Keys.DefaultIfEmpty("none"))} (add one with type: grafana)");
        }

        if (storeName is null)
        {
            try
            {
                var image = await renderer.RenderPanelAsync(query, ct);
                return Results.Bytes(image.Content.ToArray(), image.ContentType);
            }
            catch (PanelRenderException e)
            {
                LogFailed(logger, Describe(query), e.Failure, e.Message);
                return Error(StatusOf(e.Failure), e.Message);
            }
        }

        if (!runtime.Stores.TryGetValue(storeName, out var store))
        {
            return Error(StatusCodes.Status400BadRequest, $"store '{storeName}' is not configured; configured: {string.Join(", ", runtime.Stores.Keys)}");
        }

        return await RenderAndStoreAsync(renderer, store, query, logger, ct,
            image => Results.Json(new RenderStoredResponse(image.Url.ToString(), image.Key, image.IsPublic, image.ExpiresAt), WebJson.Api.RenderStoredResponse));
    }

    private static IPanelRenderer? ReadPanelRenderer(PromoterRuntime runtime, string name) =>
        runtime.Renderers.TryGetValue(name, out var r) ? r as IPanelRenderer : null;

    private static async Task<IResult> RenderAndStoreAsync(IPanelRenderer renderer, IImageStore store, PanelQuery query, ILogger logger,
        CancellationToken ct, Func<StoredImage, IResult> answer)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        AlertImage image;
        try
        {
            image = await renderer.RenderPanelAsync(query, ct);
        }
        catch (PanelRenderException e)
        {
            LogFailed(logger, Describe(query), e.Failure, e.Message);
            return Error(StatusOf(e.Failure), e.Message);
        }

        StoredImage stored;
        try
        {
            stored = await Plugins.ImageGate.SaveAsync(store, image.Content, image.ContentType, ct);
        }
        catch (ImageRejectedException e)
        {
            LogFailed(logger, Describe(query), PanelFailure.InvalidImage, e.Message);
            return Error(StatusCodes.Status502BadGateway, $"the panel image was refused by the store: {e.Message}");
        }
        catch (Exception e) when (e is IOException or HttpRequestException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogStoreFailed(logger, Describe(query), e.Message);
            return Error(StatusCodes.Status503ServiceUnavailable, "the image store could not save the panel; try again later (the error is in Promoter's log)");
        }

        LogStored(logger, Describe(query), image.Title, stored.Key, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return answer(stored);
    }

    /// <summary>
    /// 4xx for what the caller can fix (the URL, the host, their token, the panel), 502/504 for what Grafana did.
    /// Grafana refusing the caller's token is the caller's 401, as grafana-images passed Grafana's answer on.
    /// </summary>
    internal static int StatusOf(PanelFailure failure) => failure switch
    {
        PanelFailure.InvalidRequest => StatusCodes.Status400BadRequest,
        PanelFailure.HostNotAllowed => StatusCodes.Status403Forbidden,
        PanelFailure.Unauthorized => StatusCodes.Status401Unauthorized,
        PanelFailure.NotFound => StatusCodes.Status404NotFound,
        PanelFailure.InvalidImage => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>Host and path of the panel, or its uid/id: never the query string, which may carry an auth token.</summary>
    private static string Describe(PanelQuery query) => query.Url is { } u
        ? $"{u.Scheme}://{u.Authority}{u.AbsolutePath}"
        : $"{query.DashboardUid}/{query.PanelId}";

    private static async Task CopyLimitedAsync(Stream source, Stream destination, int max, CancellationToken ct)
    {
        var buffer = new byte[4096];
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            if (destination.Length + read > max)
            {
                throw new InvalidDataException("body too large");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    private static IResult Error(int status, string message) =>
        Results.Json(new ErrorBody("error", message), WebJson.Api.ErrorBody, statusCode: status);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Grafana panel {Panel} stored as {Key} in {Milliseconds} ms: {Title}")]
    private static partial void LogStored(ILogger logger, string panel, string title, string key, long milliseconds);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Grafana panel {Panel} not served ({Failure}): {Error}")]
    private static partial void LogFailed(ILogger logger, string panel, PanelFailure failure, string error);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "Grafana panel {Panel} drawn but not stored: {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string panel, string error);
}

/// <summary>grafana-images' request: <c>{"imageUrl": "…"}</c>.</summary>
internal sealed record GrafanaImagesRequest(string? ImageUrl);

/// <summary>grafana-images' answer: <c>{"pubImg": "…"}</c>.</summary>
internal sealed record GrafanaImagesResponse(string PubImg);

[JsonSerializable(typeof(GrafanaImagesRequest))]
[JsonSerializable(typeof(GrafanaImagesResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class GrafanaImagesJson : JsonSerializerContext;
