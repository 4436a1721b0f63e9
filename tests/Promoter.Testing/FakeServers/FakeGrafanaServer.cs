using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Testing.FakeServers;

/// <summary>What the fake's image renderer answers to <c>/render/d-solo/</c>.</summary>
public enum GrafanaRenderBehavior
{
    /// <summary>A PNG of the requested width × height, as grafana-image-renderer does.</summary>
    Png,

    /// <summary>A PNG after <see cref="FakeGrafanaServer.RenderDelay"/> (the renderer is a headless browser: seconds).</summary>
    Slow,

    /// <summary>HTTP 500 with an HTML error page (a reverse proxy's, or Grafana's own when the renderer plugin crashed).</summary>
    HtmlError,

    /// <summary>HTTP 200 with Content-Type image/png but an HTML body (a misconfigured proxy's login page).</summary>
    HtmlAsPng,

    /// <summary>A 302 to <see cref="FakeGrafanaServer.RedirectTarget"/>.</summary>
    Redirect,

    /// <summary>A valid PNG of <see cref="FakeGrafanaServer.LargePngBytes"/> bytes.</summary>
    LargePng,
}

/// <summary>
/// A local Grafana that checks what Grafana checks: a service-account token in <c>Authorization: Bearer</c> (401
/// JSON for the API, a 302 to /login for the render path, as Grafana answers an anonymous browser), per-dashboard
/// access (403), dashboards and panels that exist (404 with Grafana's <c>{"message":…}</c>), and every parameter of
/// <c>/render/d-solo/{uid}/</c> (orgId, panelId of a panel of that dashboard, from/to, width/height, tz, var-*;
/// anything else is a 400 so that a typo in a URL the renderer builds fails the test). It serves the dashboard
/// JSON in tests/testdata/grafana/ (shapes of real exported dashboards) and proxies
/// <c>/api/datasources/proxy/uid/{uid}/api/v1/*</c> of its Prometheus data source to a real Prometheus, refusing
/// queries with unresolved <c>$variables</c> as Prometheus would (it cannot parse them).
/// </summary>
public sealed class FakeGrafanaServer : LoopbackHttpServer
{
    public const string PrometheusUid = "prom-main";
    public const string LokiUid = "loki-logs";

    private static readonly HashSet<string> RenderParameters = ["orgId", "panelId", "from", "to", "width", "height", "tz", "theme", "scale", "timeout"];
    private static readonly HttpClient Upstream = new() { Timeout = TimeSpan.FromSeconds(30) };

    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly Dictionary<string, JsonObject> _dashboards = new(StringComparer.Ordinal);
    private readonly Uri? _prometheus;
    private byte[]? _largePng;

    private FakeGrafanaServer(Uri? prometheus)
    {
        _prometheus = prometheus;
        foreach (var file in Directory.GetFiles(TestPaths.TestData("grafana"), "dashboard-*.json"))
        {
            var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            _dashboards[json["dashboard"]!["uid"]!.GetValue<string>()] = json;
        }
    }

    /// <param name="prometheusUrl">The real Prometheus behind the Prometheus data source (null: the proxy answers 502).</param>
    public static async Task<FakeGrafanaServer> StartAsync(string? prometheusUrl = null)
    {
        var server = new FakeGrafanaServer(prometheusUrl is null ? null : new Uri(prometheusUrl.TrimEnd('/') + "/"));
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Tokens with access to every dashboard (a Viewer service account).</summary>
    public HashSet<string> Tokens { get; } = ["glsa_promoter_viewer", "glsa_hubot_caller"];

    /// <summary>Tokens Grafana knows but that have no access to the dashboards (403 "Access denied").</summary>
    public HashSet<string> TokensWithoutAccess { get; } = ["glsa_no_dashboards"];

    public GrafanaRenderBehavior RenderBehavior { get; set; } = GrafanaRenderBehavior.Png;
    public TimeSpan RenderDelay { get; set; } = TimeSpan.FromSeconds(5);
    public Uri RedirectTarget { get; set; } = new("http://169.254.169.254/latest/meta-data/");
    public int LargePngBytes { get; set; } = 1_100_000;

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    /// <summary>The PromQL queries the data source proxy forwarded to Prometheus, in order.</summary>
    public IReadOnlyList<string> ProxiedQueries => Requests.Where(r => r.PathAndQuery.Contains("/api/datasources/proxy/", StringComparison.Ordinal))
        .Select(r => QueryOf(r)["query"] ?? "").ToList();

    public IReadOnlyList<ReceivedRequest> RenderRequests => Requests.Where(r => r.PathAndQuery.Contains("/render/", StringComparison.Ordinal)).ToList();

    public void ClearRequests() => _requests.Clear();

    /// <summary>A render URL as hubot-grafana builds it for grafana-images.</summary>
    public Uri RenderUrl(string uid, int panelId, string query = "from=now-1h&to=now&width=1000&height=500") =>
        new(BaseUrl, $"render/d-solo/{uid}/?orgId=1&panelId={panelId}&{query}");

    protected override async Task HandleAsync(HttpContext context)
    {
        var received = await ReceivedRequest.ReadAsync(context.Request);
        _requests.Enqueue(received);
        var path = context.Request.Path.Value ?? "/";
        var response = context.Response;

        var token = BearerToken(context.Request);
        var known = token is not null && (Tokens.Contains(token) || TokensWithoutAccess.Contains(token));
        if (path.StartsWith("/render/", StringComparison.Ordinal))
        {
            if (!known)
            {
                // Grafana treats /render like a page: no valid session or token → the login page.
                response.StatusCode = 302;
                response.Headers.Location = "/login";
                return;
            }

            await RenderAsync(context, path, token!);
            return;
        }

        if (!path.StartsWith("/api/", StringComparison.Ordinal))
        {
            await Json(response, 404, """{"message":"Not found"}""");
            return;
        }

        if (!known)
        {
            await Json(response, 401, """{"message":"Invalid API key","traceID":""}""");
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["api", "dashboards", "uid", var uid] when context.Request.Method == "GET":
                if (!_dashboards.TryGetValue(uid, out var dashboard))
                {
                    await Json(response, 404, """{"message":"Dashboard not found","traceID":""}""");
                }
                else if (TokensWithoutAccess.Contains(token!))
                {
                    await Json(response, 403, """{"message":"Access denied to this dashboard","traceID":""}""");
                }
                else
                {
                    await Json(response, 200, dashboard.ToJsonString());
                }

                return;
            case ["api", "datasources", "uid", var uid] when context.Request.Method == "GET":
                await DataSourceAsync(response, DataSources().FirstOrDefault(d => d.Uid == uid));
                return;
            case ["api", "datasources", "name", var name] when context.Request.Method == "GET":
                await DataSourceAsync(response, DataSources().FirstOrDefault(d => d.Name == Uri.UnescapeDataString(name)));
                return;
            case ["api", "datasources", "proxy", "uid", var uid, "api", "v1", var endpoint] when endpoint is "query_range" or "query":
                if (TokensWithoutAccess.Contains(token!))
                {
                    await Json(response, 403, """{"message":"Access denied to data source","traceID":""}""");
                    return;
                }

                await ProxyAsync(context, uid, endpoint, received);
                return;
            default:
                await Json(response, 404, """{"message":"Not found"}""");
                return;
        }
    }

    private async Task RenderAsync(HttpContext context, string path, string token)
    {
        var response = context.Response;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length is < 3 or > 4 || segments[1] != "d-solo")
        {
            await Text(response, 400, "expected /render/d-solo/{uid}/{slug}");
            return;
        }

        var query = context.Request.Query;
        var unknown = query.Keys.Where(k => !RenderParameters.Contains(k) && !k.StartsWith("var-", StringComparison.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            await Text(response, 400, "unknown render parameters: " + string.Join(", ", unknown));
            return;
        }

        if (!_dashboards.TryGetValue(segments[2], out var dashboard))
        {
            await Text(response, 404, "dashboard not found", "text/html; charset=utf-8");
            return;
        }

        if (TokensWithoutAccess.Contains(token))
        {
            await Text(response, 403, "<html><body>Access denied</body></html>", "text/html; charset=utf-8");
            return;
        }

        var problems = new List<string>();
        if (query["orgId"].Count > 0 && !int.TryParse(query["orgId"], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            problems.Add("orgId is not a number");
        }

        if (!int.TryParse(query["panelId"], NumberStyles.None, CultureInfo.InvariantCulture, out var panelId)
            || !PanelIds(dashboard["dashboard"]!.AsObject()).Contains(panelId))
        {
            problems.Add($"panelId '{query["panelId"]}' is not a panel of {segments[2]}");
        }

        if (!TimeValue(query["from"]) || !TimeValue(query["to"]))
        {
            problems.Add($"from '{query["from"]}' / to '{query["to"]}' are not Grafana times");
        }
        else if (long.TryParse(query["from"], out var f) && long.TryParse(query["to"], out var t) && f >= t)
        {
            problems.Add("from is not before to");
        }

        var width = 1000;
        var height = 500;
        if ((query["width"].Count > 0 && !int.TryParse(query["width"], NumberStyles.None, CultureInfo.InvariantCulture, out width))
            || (query["height"].Count > 0 && !int.TryParse(query["height"], NumberStyles.None, CultureInfo.InvariantCulture, out height))
            || width is < 1 or > 4000 || height is < 1 or > 4000)
        {
            problems.Add("width/height must be numbers from 1 to 4000");
        }

        if (query["tz"].Count > 0 && !ValidZone(query["tz"]!))
        {
            problems.Add($"tz '{query["tz"]}' is not a time zone");
        }

        if (problems.Count > 0)
        {
            await Text(response, 400, string.Join("; ", problems));
            return;
        }

        switch (RenderBehavior)
        {
            case GrafanaRenderBehavior.Slow:
                await Task.Delay(RenderDelay, context.RequestAborted);
                break;
            case GrafanaRenderBehavior.HtmlError:
                await Text(response, 500, "<!DOCTYPE html><html><head><title>Grafana</title></head><body><h1>Rendering failed</h1><p>Error: Failed to launch the browser process</p></body></html>", "text/html; charset=utf-8");
                return;
            case GrafanaRenderBehavior.HtmlAsPng:
                await Text(response, 200, "<!DOCTYPE html><html><body>Please sign in</body></html>", "image/png");
                return;
            case GrafanaRenderBehavior.Redirect:
                response.StatusCode = 302;
                response.Headers.Location = RedirectTarget.ToString();
                return;
            case GrafanaRenderBehavior.LargePng:
                response.ContentType = "image/png";
                _largePng ??= SampleImages.Png(panelId, 8, 8, padding: LargePngBytes);
                await response.Body.WriteAsync(_largePng);
                return;
        }

        response.ContentType = "image/png";
        await response.Body.WriteAsync(SampleImages.SolidPng(panelId, width, height));
    }

    private async Task ProxyAsync(HttpContext context, string uid, string endpoint, ReceivedRequest received)
    {
        var response = context.Response;
        var ds = DataSources().FirstOrDefault(d => d.Uid == uid);
        if (ds is null)
        {
            await Json(response, 404, """{"message":"Data source not found"}""");
            return;
        }

        if (ds.Type != "prometheus" || _prometheus is null)
        {
            await Json(response, 502, """{"message":"Bad Gateway"}""");
            return;
        }

        var form = QueryOf(received);
        var required = endpoint == "query_range" ? new[] { "query", "start", "end", "step" } : ["query"];
        var missing = required.Where(k => string.IsNullOrEmpty(form[k])).ToList();
        if (missing.Count > 0)
        {
            await Json(response, 400, $$"""{"status":"error","errorType":"bad_data","error":"missing {{string.Join(", ", missing)}}"}""");
            return;
        }

        // Forward as Prometheus sees it: the same parameters, no Grafana credential.
        var target = new Uri(_prometheus, $"api/v1/{endpoint}?{string.Join('&', form.AllKeys.Select(k => $"{Uri.EscapeDataString(k!)}={Uri.EscapeDataString(form[k] ?? "")}"))}");
        using var upstream = await Upstream.GetAsync(target, context.RequestAborted);
        response.StatusCode = (int)upstream.StatusCode;
        response.ContentType = "application/json";
        await upstream.Content.CopyToAsync(response.Body, context.RequestAborted);
    }

    private static System.Collections.Specialized.NameValueCollection QueryOf(ReceivedRequest r)
    {
        var q = r.PathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var all = System.Web.HttpUtility.ParseQueryString(q < 0 ? "" : r.PathAndQuery[(q + 1)..]);
        if (r.Method == "POST" && r.Header("content-type")?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true)
        {
            all.Add(System.Web.HttpUtility.ParseQueryString(r.BodyText));
        }

        return all;
    }

    private sealed record DataSource(string Uid, string Name, string Type);

    private static IEnumerable<DataSource> DataSources() =>
    [
        new(PrometheusUid, "Prometheus", "prometheus"),
        new(LokiUid, "Loki", "loki"),
    ];

    private static async Task DataSourceAsync(HttpResponse response, DataSource? ds)
    {
        if (ds is null)
        {
            await Json(response, 404, """{"message":"Data source not found"}""");
            return;
        }

        await Json(response, 200, JsonSerializer.Serialize(new { id = 1, uid = ds.Uid, orgId = 1, name = ds.Name, type = ds.Type, access = "proxy", url = "http://upstream", isDefault = ds.Type == "prometheus" }));
    }

    private static HashSet<int> PanelIds(JsonObject container)
    {
        var ids = new HashSet<int>();
        foreach (var key in new[] { "panels", "rows" })
        {
            if (container[key] is JsonArray list)
            {
                foreach (var p in list.OfType<JsonObject>())
                {
                    if (p["id"] is JsonValue v && v.TryGetValue<int>(out var id))
                    {
                        ids.Add(id);
                    }

                    ids.UnionWith(PanelIds(p));
                }
            }
        }

        return ids;
    }

    private static bool TimeValue(string? s) =>
        s is not null && (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _) || System.Text.RegularExpressions.Regex.IsMatch(s, @"^now(-\d+[smhdwMy])?(/[smhdwMy])?$"));

    private static bool ValidZone(string tz)
    {
        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(tz);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    private static async Task Json(HttpResponse response, int status, string body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(body, Encoding.UTF8);
    }

    private static async Task Text(HttpResponse response, int status, string body, string contentType = "text/plain; charset=utf-8")
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        await response.WriteAsync(body, Encoding.UTF8);
    }
}
