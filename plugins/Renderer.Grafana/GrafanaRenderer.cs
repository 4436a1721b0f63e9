using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Grafana.Client;
using Promoter.Renderer.Grafana.Panels;
using Promoter.Renderer.Prometheus;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Grafana;

/// <summary>
/// A Grafana panel as an alert's image. Native mode reads the dashboard JSON, runs the panel's Prometheus queries
/// (through Grafana's data source proxy, or a configured Prometheus) and draws them with Promoter's chart engine:
/// milliseconds and no browser. Panels it cannot draw faithfully (other data sources, other panel types) go to
/// Grafana's image renderer (<c>/render/d-solo/</c>), a headless browser that takes seconds. The mode and the
/// reason are logged and written into the image's title, which the history keeps.
/// </summary>
internal sealed class GrafanaRenderer : IAlertRenderer, IPanelRenderer
{
    // Panel types whose Prometheus queries draw as lines over time, as the chart engine does.
    private static readonly HashSet<string> TimeSeriesPanels = new(StringComparer.Ordinal) { "timeseries", "graph" };

    private readonly GrafanaRendererOptions _options;
    private readonly GrafanaClient _client;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthGate _auth;
    private readonly Counter<long> _panels;
    private readonly Histogram<double> _duration;

    public GrafanaRenderer(GrafanaRendererOptions options, HttpClient http, TimeProvider time, ILogger logger, Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _options = options;
        _http = http;
        _client = new GrafanaClient(http, options);
        _time = time;
        _logger = logger;
        _auth = new AuthGate(time, options.AuthRetryAfter);
        _panels = meter.CreateCounter<long>("promoter.renderer.grafana.panels", description: "Grafana panels drawn, by mode and result");
        _duration = meter.CreateHistogram<double>("promoter.renderer.grafana.duration", unit: "s", description: "Time to draw one Grafana panel, by mode");
    }

    public GrafanaRendererOptions Options => _options;

    public async Task<IReadOnlyList<AlertImage>> RenderAsync(RenderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var alert = request.Alert;
        var reference = Locate(alert);
        if (reference is null)
        {
            GrafanaLog.NoPanel(_logger, alert.Name, _options.UrlAnnotation);
            return [];
        }

        var (from, to) = Window(alert);
        try
        {
            var image = await DrawAsync(reference, from, to, alert.Labels, alert, authorization: null,
                reference.Width, reference.Height, request.Format, cancellationToken).ConfigureAwait(false);
            return [image];
        }
        catch (PanelRenderException e)
        {
            GrafanaLog.Failed(_logger, alert.Name, e.Message);
            throw;
        }
    }

    public Task<AlertImage> RenderPanelAsync(PanelQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        PanelReference reference;
        if (query.Url is { } url)
        {
            _client.EnsureAllowed(url, "the panel URL");
            reference = PanelReference.Parse(url);
        }
        else if (!string.IsNullOrWhiteSpace(query.DashboardUid) && query.PanelId is { } id)
        {
            reference = new PanelReference(_options.Url, query.DashboardUid.Trim(), id);
        }
        else
        {
            throw new PanelRenderException(PanelFailure.InvalidRequest,
                "name the panel: either a Grafana panel URL, or a dashboard uid and a panel id");
        }

        var now = _time.GetUtcNow();
        var to = query.To ?? (reference.To is { } t ? GrafanaTime.Parse(t, now, "to") : now);
        var from = query.From ?? (reference.From is { } f ? GrafanaTime.Parse(f, now, "from") : to - _options.Window);
        if (from >= to)
        {
            throw new PanelRenderException(PanelFailure.InvalidRequest, $"from ({from:u}) must be before to ({to:u})");
        }

        if (query.Variables.Count > 0)
        {
            var merged = new Dictionary<string, string[]>(reference.Variables, StringComparer.Ordinal);
            foreach (var (k, v) in query.Variables)
            {
                merged[k] = [v];
            }

            reference = reference with { Variables = merged };
        }

        return DrawAsync(reference, from, to, labels: null, alert: null, query.Authorization,
            query.Width ?? reference.Width, query.Height ?? reference.Height, query.Format, cancellationToken);
    }

    /// <summary>
    /// Grafana-managed alerts carry <c>__dashboardUid__</c> and <c>__panelId__</c>; any alert may name a panel URL in
    /// <c>grafana_panel_url</c>. A URL on a host that is not configured is refused (and the refusal noted), never fetched.
    /// </summary>
    private PanelReference? Locate(Alert alert)
    {
        if (alert.Annotations.TryGetValue("__dashboardUid__", out var uid) && !string.IsNullOrWhiteSpace(uid)
            && alert.Annotations.TryGetValue("__panelId__", out var panelText))
        {
            if (!int.TryParse(panelText, NumberStyles.None, CultureInfo.InvariantCulture, out var panelId))
            {
                throw new PanelRenderException(PanelFailure.InvalidRequest, $"annotation __panelId__ '{panelText}' is not a panel number");
            }

            return new PanelReference(_options.Url, uid.Trim(), panelId);
        }

        if (alert.Annotations.TryGetValue(_options.UrlAnnotation, out var text) && !string.IsNullOrWhiteSpace(text))
        {
            if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url))
            {
                throw new PanelRenderException(PanelFailure.InvalidRequest, $"annotation {_options.UrlAnnotation} is not an absolute URL");
            }

            if (!_client.IsAllowed(url))
            {
                GrafanaLog.HostRefused(_logger, alert.Name, url.IsAbsoluteUri ? url.Authority : "?", _client.AllowedList);
                _panels.Add(1, new KeyValuePair<string, object?>("mode", "none"), new KeyValuePair<string, object?>("result", "host_refused"));
            }

            _client.EnsureAllowed(url, $"annotation {_options.UrlAnnotation}:");
            return PanelReference.Parse(url);
        }

        return null;
    }

    private async Task<AlertImage> DrawAsync(PanelReference reference, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyDictionary<string, string>? labels, Alert? alert, string? authorization, int? width, int? height,
        ImageFormat format, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var usesOwnToken = authorization is null;
        if (usesOwnToken)
        {
            if (_auth.Blocked() is { } blocked)
            {
                throw new PanelRenderException(PanelFailure.Unauthorized, blocked);
            }

            authorization = _options.Token is { } token ? "Bearer " + token : null;
        }

        var style = _options.Style with
        {
            Width = Math.Clamp(width ?? _options.Style.Width, 200, 4000),
            Height = Math.Clamp(height ?? _options.Style.Height, 150, 3000),
        };
        var mode = "render";
        var reason = "";
        try
        {
            AlertImage image;
            if (_options.Mode == "render")
            {
                reason = "mode: render is configured";
                image = await RenderModeAsync(reference, from, to, labels, authorization, style, reason, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var dashboard = await _client.GetJsonAsync(
                    new Uri(reference.GrafanaBase, "api/dashboards/uid/" + Uri.EscapeDataString(reference.DashboardUid)), authorization,
                    $"dashboard {reference.DashboardUid}", cancellationToken).ConfigureAwait(false);
                var panel = DashboardPanel.Read(dashboard.RootElement, reference.DashboardUid, reference.PanelId);
                var variables = TemplateVariables.Resolve(panel.Variables, reference.Variables, labels);
                var (dataSource, whyNot) = await NativeDataSourceAsync(reference, panel, variables, authorization, cancellationToken).ConfigureAwait(false);
                if (dataSource is not null)
                {
                    mode = "native";
                    reason = $"{panel.Type} panel on Prometheus data source {dataSource}";
                    image = await NativeAsync(reference, panel, variables, dataSource, from, to, alert, authorization, style, format, reason, cancellationToken).ConfigureAwait(false);
                }
                else if (_options.Mode == "native")
                {
                    throw new PanelRenderException(PanelFailure.InvalidRequest,
                        $"panel {reference.PanelId} of dashboard {reference.DashboardUid} cannot be drawn natively ({whyNot}) and mode: native forbids Grafana's renderer");
                }
                else
                {
                    reason = whyNot!;
                    image = await RenderModeAsync(reference, from, to, labels, authorization, style, reason, cancellationToken).ConfigureAwait(false);
                }

                GrafanaLog.Rendered(_logger, reference.DashboardUid, reference.PanelId, panel.Title, mode, reason, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (_options.Mode == "render")
            {
                GrafanaLog.Rendered(_logger, reference.DashboardUid, reference.PanelId, "", mode, reason, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (usesOwnToken)
            {
                _auth.Accepted();
            }

            _panels.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("result", "ok"));
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("mode", mode));
            return image;
        }
        catch (PanelRenderException e)
        {
            if (e.Failure == PanelFailure.Unauthorized && usesOwnToken && _auth.Refused(e.Message, out var until))
            {
                GrafanaLog.AuthRefused(_logger, GrafanaClient.Describe(reference.GrafanaBase), e.Message, until);
            }

            _panels.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("result", e.Failure.ToString()));
            throw;
        }
        catch (PrometheusQueryException e)
        {
            _panels.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("result", "query_error"));
            var failure = e.ErrorType is "timeout" or "unavailable" ? PanelFailure.Unavailable : PanelFailure.InvalidRequest;
            if (e.Message.Contains("HTTP 401", StringComparison.Ordinal) || e.Message.Contains("HTTP 403", StringComparison.Ordinal))
            {
                failure = PanelFailure.Unauthorized;
            }

            throw new PanelRenderException(failure, $"panel {reference.PanelId} of dashboard {reference.DashboardUid}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The Prometheus data source every visible target of the panel queries, or why native mode cannot draw it.
    /// </summary>
    private async Task<(string? Uid, string? WhyNot)> NativeDataSourceAsync(PanelReference reference, DashboardPanel panel,
        IReadOnlyDictionary<string, ResolvedVariable> variables, string? authorization, CancellationToken cancellationToken)
    {
        if (!TimeSeriesPanels.Contains(panel.Type))
        {
            return (null, $"a {panel.Type} panel is not a time series");
        }

        if (panel.Targets.Count == 0)
        {
            return (null, "the panel has no visible queries");
        }

        string? uid = null;
        foreach (var target in panel.Targets)
        {
            var ds = target.DataSource is { } t && !IsMixed(t) ? t : panel.DataSource;
            if (ds is null || IsMixed(ds))
            {
                return (null, $"query {target.RefId} names no data source");
            }

            var (type, resolved) = await ResolveDataSourceAsync(reference, ds, variables, authorization, cancellationToken).ConfigureAwait(false);
            if (type != "prometheus")
            {
                return (null, $"query {target.RefId} uses a {type ?? "unknown"} data source, not Prometheus");
            }

            if (string.IsNullOrWhiteSpace(target.Expr))
            {
                return (null, $"query {target.RefId} has no PromQL expression (a builder query without code?)");
            }

            if (uid is not null && uid != resolved)
            {
                return (null, "the panel's queries use several Prometheus data sources");
            }

            uid = resolved;
        }

        return (uid, null);
    }

    private static bool IsMixed(DataSourceRef ds) => ds.Uid is "-- Mixed --" || ds.Name is "-- Mixed --" || ds.Type is "datasource" && ds.Uid is "-- Mixed --";

    /// <summary>A reference with a type and a literal uid is used as is; a variable or a bare name is looked up.</summary>
    private async Task<(string? Type, string? Uid)> ResolveDataSourceAsync(PanelReference reference, DataSourceRef ds,
        IReadOnlyDictionary<string, ResolvedVariable> variables, string? authorization, CancellationToken cancellationToken)
    {
        var uid = ds.Uid is { } u ? TemplateVariables.Interpolate(u, variables, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero) : null;
        var name = ds.Name is { } n ? TemplateVariables.Interpolate(n, variables, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero) : null;
        if (ds.Type is { } type && uid is not null && uid == ds.Uid)
        {
            return (type, uid);
        }

        // A datasource variable's value is the uid in Grafana 8.3+, the name before; try the uid first.
        var lookups = new List<string>();
        if (uid is not null)
        {
            lookups.Add("api/datasources/uid/" + Uri.EscapeDataString(uid));
            lookups.Add("api/datasources/name/" + Uri.EscapeDataString(uid));
        }

        if (name is not null)
        {
            lookups.Add("api/datasources/name/" + Uri.EscapeDataString(name));
        }

        foreach (var path in lookups)
        {
            try
            {
                using var doc = await _client.GetJsonAsync(new Uri(reference.GrafanaBase, path), authorization, "data source lookup", cancellationToken).ConfigureAwait(false);
                var root = doc.RootElement;
                var t = root.TryGetProperty("type", out var tv) ? tv.GetString() : null;
                var id = root.TryGetProperty("uid", out var iv) ? iv.GetString() : null;
                return (t, id);
            }
            catch (PanelRenderException e) when (e.Failure is PanelFailure.NotFound or PanelFailure.Unauthorized)
            {
                // Viewers may not read data source settings; the panel then goes to Grafana's renderer.
            }
        }

        return (ds.Type, null);
    }

    private async Task<AlertImage> NativeAsync(PanelReference reference, DashboardPanel panel, IReadOnlyDictionary<string, ResolvedVariable> variables,
        string dataSource, DateTimeOffset from, DateTimeOffset to, Alert? alert, string? authorization, ChartStyle style, ImageFormat format,
        string reason, CancellationToken cancellationToken)
    {
        var step = QueryStep.For(from, to, _options.Points);
        var (qFrom, qTo) = QueryStep.Align(from, to, step);
        var rate = TemplateVariables.RateInterval(step, _options.ScrapeInterval);
        var client = _options.PrometheusUrl is { } direct
            ? new PrometheusClient(_http, new PrometheusClientOptions(direct, _options.Timeout))
            : new PrometheusClient(_http, new PrometheusClientOptions(
                new Uri(reference.GrafanaBase, "api/datasources/proxy/uid/" + Uri.EscapeDataString(dataSource) + "/"), _options.Timeout) { Authorization = authorization });

        var queries = panel.Targets.Select(t => TemplateVariables.Interpolate(t.Expr, variables, step, rate, to - from)).ToList();
        var results = await Task.WhenAll(queries.Select(q => client.QueryRangeAsync(q, qFrom, qTo, step, cancellationToken))).ConfigureAwait(false);

        var unit = PanelUnit.From(panel.Unit);
        var series = new List<ChartSeries>();
        var hidden = 0;
        for (var i = 0; i < panel.Targets.Count; i++)
        {
            var (shown, more) = SeriesSelection.Select(results[i], alert?.Labels, BreachDirection.None, _options.MaxSeries);
            hidden += more;
            var legend = panel.Targets[i].LegendFormat;
            var names = legend is { Length: > 0 } and not "__auto"
                ? shown.Select(s => TemplateVariables.Legend(TemplateVariables.Interpolate(legend, variables, step, rate, to - from), s.Labels)).ToList()
                : SeriesSelection.Names(shown, queries[i]);
            for (var j = 0; j < shown.Count; j++)
            {
                var samples = unit.Scale == 1 ? shown[j].Samples : shown[j].Samples.Select(s => s with { Value = s.Value * unit.Scale }).ToList();
                series.Add(new ChartSeries(names[j], samples));
            }
        }

        if (series.Count > _options.MaxSeries)
        {
            hidden += series.Count - _options.MaxSeries;
            series.RemoveRange(_options.MaxSeries, series.Count - _options.MaxSeries);
        }

        // Thresholds as Grafana draws them on a time series: only when thresholdsStyle is on, absolute values only.
        double? threshold = null;
        if (panel.ThresholdsStyle != "off" && !panel.PercentageThresholds)
        {
            var values = panel.Thresholds.Where(s => s.Value is { } v && double.IsFinite(v)).Select(s => s.Value!.Value * unit.Scale).Order().ToList();
            if (values.Count > 0)
            {
                threshold = values[^1];
                var times = Enumerable.Range(0, (int)((qTo - qFrom) / step) + 1).Select(k => qFrom.ToUnixTimeSeconds() + (k * step.TotalSeconds)).ToList();
                foreach (var v in values.Take(values.Count - 1))
                {
                    series.Add(new ChartSeries($"threshold {UnitFormatter.FormatValue(v, unit.Unit)}", times.Select(t => new Sample(t, v)).ToList(), IsThreshold: true));
                }
            }
        }

        var title = TemplateVariables.Interpolate(panel.Title.Length > 0 ? panel.Title : $"panel {panel.Id}", variables, step, rate, to - from);
        var header = unit.Suffix is { } suffix ? $"{title} ({suffix})" : title;
        var expression = queries.Count == 1 ? queries[0] : $"{queries[0]}  (+{queries.Count - 1} more queries)";
        var model = new ChartModel
        {
            Title = header,
            Expression = expression,
            From = from,
            To = to,
            Step = step,
            Series = series,
            HiddenSeries = hidden,
            Threshold = threshold,
            Direction = threshold is null ? BreachDirection.None : BreachDirection.Above,
            Unit = unit.Unit,
            Min = panel.Min * unit.Scale,
            Max = panel.Max * unit.Scale,
            FiringAt = alert?.StartsAt is { Year: > 1 } s ? s : null,
            ResolvedAt = alert is { IsFiring: false, EndsAt.Year: > 1 } ? alert.EndsAt : null,
        };

        var imageTitle = $"{title} (Grafana panel, native: {reason})";
        var svg = SvgChartWriter.Write(model, style);
        return format == ImageFormat.Svg
            ? new AlertImage(imageTitle, Encoding.UTF8.GetBytes(svg), "image/svg+xml", style.PixelWidth, style.PixelHeight)
            : new AlertImage(imageTitle, await PngRasterizer.RasterizeAsync(svg, style, cancellationToken).ConfigureAwait(false), "image/png",
                style.PixelWidth, style.PixelHeight);
    }

    private async Task<AlertImage> RenderModeAsync(PanelReference reference, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyDictionary<string, string>? labels, string? authorization, ChartStyle style, string reason, CancellationToken cancellationToken)
    {
        var url = reference.SourceUrl is { } source && source.AbsolutePath.Contains("/render/", StringComparison.Ordinal) && labels is null
            ? source // grafana-images: the caller's render URL as it is
            : RenderUrl(reference, from, to, labels, style);
        var png = await _client.GetPngAsync(url, authorization, cancellationToken).ConfigureAwait(false);
        var (w, h) = PngSize(png);
        return new AlertImage($"panel {reference.PanelId} of {reference.DashboardUid} (Grafana panel, rendered by Grafana: {reason})", png, "image/png", w, h);
    }

    /// <summary>
    /// /render/d-solo/{uid}/?orgId=&amp;panelId=&amp;from=&amp;to=&amp;width=&amp;height=&amp;tz=&amp;var-x= (the image renderer's API;
    /// from/to in epoch milliseconds). The alert's labels fill variables the dashboard has, as in native mode.
    /// </summary>
    internal Uri RenderUrl(PanelReference reference, DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<string, string>? labels, ChartStyle style)
    {
        var q = new List<string>
        {
            "orgId=" + Uri.EscapeDataString(reference.OrgId ?? "1"),
            "panelId=" + reference.PanelId.ToString(CultureInfo.InvariantCulture),
            "from=" + from.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            "to=" + to.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            "width=" + style.PixelWidth.ToString(CultureInfo.InvariantCulture),
            "height=" + style.PixelHeight.ToString(CultureInfo.InvariantCulture),
            "tz=" + Uri.EscapeDataString(reference.TimeZone ?? _options.TimeZoneName),
        };
        var vars = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (k, v) in reference.Variables)
        {
            vars[k] = v;
        }

        // Grafana ignores var- parameters the dashboard does not declare, so every label can go (bounded by the alert's own labels).
        if (labels is not null)
        {
            foreach (var (k, v) in labels)
            {
                if (k != "alertname" && !k.StartsWith("__", StringComparison.Ordinal))
                {
                    vars.TryAdd(k, [v]);
                }
            }
        }

        foreach (var (k, values) in vars)
        {
            foreach (var v in values)
            {
                q.Add($"var-{Uri.EscapeDataString(k)}={Uri.EscapeDataString(v)}");
            }
        }

        return new Uri(reference.GrafanaBase, $"render/d-solo/{Uri.EscapeDataString(reference.DashboardUid)}/?{string.Join('&', q)}");
    }

    private static (int Width, int Height) PngSize(byte[] png) =>
        ((int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20)));

    /// <summary>As the Prometheus renderer: firing from min(startsAt − lead, now − window) to now; resolved startsAt..endsAt with margins.</summary>
    internal (DateTimeOffset From, DateTimeOffset To) Window(Alert alert)
    {
        var now = _time.GetUtcNow();
        var hasEnd = alert.EndsAt.Year > 1 && alert.EndsAt > alert.StartsAt;
        if (alert.IsFiring || !hasEnd)
        {
            var start = alert.StartsAt.Year > 1 ? alert.StartsAt - _options.Lead : now - _options.Window;
            return (start < now - _options.Window ? start : now - _options.Window, now);
        }

        var margin = TimeSpan.FromTicks(Math.Clamp((alert.EndsAt - alert.StartsAt).Ticks / 4, TimeSpan.FromMinutes(2).Ticks, Math.Max(_options.Lead.Ticks, TimeSpan.FromMinutes(2).Ticks)));
        var to = alert.EndsAt + margin;
        return (alert.StartsAt - margin, to < now ? to : now);
    }
}
