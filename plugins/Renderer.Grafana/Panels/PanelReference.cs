using System.Globalization;
using System.Web;
using Promoter.Abstractions.Rendering;

namespace Promoter.Renderer.Grafana.Panels;

/// <summary>
/// One panel of one dashboard on one Grafana, with the time range and variables a URL may carry.
/// <see cref="SourceUrl"/> is the URL it was read from, fetched as is in render mode (it may carry options the
/// caller chose, such as theme).
/// </summary>
internal sealed record PanelReference(Uri GrafanaBase, string DashboardUid, int PanelId)
{
    public Uri? SourceUrl { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
    public string? OrgId { get; init; }
    public string? TimeZone { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public IReadOnlyDictionary<string, string[]> Variables { get; init; } = new Dictionary<string, string[]>();

    /// <summary>
    /// Reads a Grafana panel URL: <c>{base}/render/d-solo/{uid}/{slug}?panelId=N</c> (what hubot-grafana sends to
    /// grafana-images), <c>{base}/d-solo/{uid}/…?panelId=N</c> or <c>{base}/d/{uid}/…?viewPanel=N</c>, where base may
    /// include a sub-path (Grafana behind /grafana/). Query parameters from, to, var-*, orgId, tz, width, height
    /// are kept.
    /// </summary>
    public static PanelReference Parse(Uri url)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            throw new PanelRenderException(PanelFailure.InvalidRequest, $"'{url.OriginalString}' is not an absolute http(s) URL of a Grafana panel");
        }

        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.FindIndex(segments, s => s is "d-solo" or "d");
        var legacy = Array.FindIndex(segments, s => s is "dashboard-solo" or "dashboard");
        if (at < 0 && legacy >= 0 && legacy + 1 < segments.Length && segments[legacy + 1] == "db")
        {
            // Grafana before 5.0 named dashboards by slug (…/render/dashboard-solo/db/<slug>/, the form of the
            // grafana-images examples of that time). 5.0 introduced uids and deprecated the slug routes; 8.0 removed
            // them (GET /dashboard-solo/db/:slug and /api/dashboards/db/:slug, Grafana PR 35104), so such a URL renders
            // nothing in Grafana either: say how to write the uid form instead of a bare "not a panel URL".
            throw new PanelRenderException(PanelFailure.InvalidRequest,
                $"{Client.GrafanaClient.Describe(url)} names the dashboard by its slug (a URL of Grafana before 5.0): use the uid form …/render/d-solo/<uid>/<slug>?panelId=N (Grafana's panel menu, Share → Link, gives it)");
        }

        if (at < 0 || at + 1 >= segments.Length)
        {
            throw new PanelRenderException(PanelFailure.InvalidRequest,
                $"{Client.GrafanaClient.Describe(url)} is not a Grafana panel URL: expected …/render/d-solo/<uid>/…?panelId=N, …/d-solo/<uid>/…?panelId=N or …/d/<uid>/…?viewPanel=N");
        }

        var baseEnd = at > 0 && segments[at - 1] == "render" ? at - 1 : at;
        var basePath = "/" + string.Join('/', segments[..baseEnd].Select(Uri.EscapeDataString));
        var grafanaBase = new UriBuilder(url.Scheme, url.Host, url.Port, basePath.TrimEnd('/') + "/").Uri;
        var uid = Uri.UnescapeDataString(segments[at + 1]);

        var query = HttpUtility.ParseQueryString(url.Query);
        var panelText = query["panelId"] ?? query["viewPanel"];
        // Grafana 11 writes viewPanel=panel-7; older versions the bare number.
        if (panelText is not null && panelText.StartsWith("panel-", StringComparison.Ordinal))
        {
            panelText = panelText["panel-".Length..];
        }

        if (!int.TryParse(panelText, NumberStyles.None, CultureInfo.InvariantCulture, out var panelId))
        {
            throw new PanelRenderException(PanelFailure.InvalidRequest,
                $"{Client.GrafanaClient.Describe(url)} names no panel: add panelId=<number> (or viewPanel=<number>) to the URL");
        }

        var variables = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var key in query.AllKeys)
        {
            if (key is not null && key.StartsWith("var-", StringComparison.Ordinal) && key.Length > 4)
            {
                variables[key[4..]] = query.GetValues(key) ?? [];
            }
        }

        return new PanelReference(grafanaBase, uid, panelId)
        {
            SourceUrl = url,
            From = query["from"],
            To = query["to"],
            OrgId = query["orgId"],
            TimeZone = query["tz"],
            Width = ParseSize(query["width"]),
            Height = ParseSize(query["height"]),
            Variables = variables,
        };
    }

    private static int? ParseSize(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
}
