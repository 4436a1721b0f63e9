using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;
using Promoter.Renderer.Prometheus.Chart;
using Promoter.Renderer.Prometheus.Client;
using Promoter.Renderer.Prometheus.Inference;
using Promoter.Renderer.Prometheus.Raster;

namespace Promoter.Renderer.Prometheus;

/// <summary>Charts an alert's own expression from Prometheus, with its threshold and firing/resolve markers.</summary>
internal sealed class PrometheusRenderer : IAlertRenderer, IQueryChartRenderer
{
    private readonly PrometheusRendererOptions _options;
    private readonly PrometheusSources _sources;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long> _charts;
    private readonly Histogram<double> _duration;

    public PrometheusRenderer(PrometheusRendererOptions options, PrometheusSources sources, TimeProvider time, ILogger logger, Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _options = options;
        _sources = sources;
        _time = time;
        _logger = logger;
        _charts = meter.CreateCounter<long>("promoter.renderer.charts", description: "Charts drawn by the Prometheus renderer, by result");
        _duration = meter.CreateHistogram<double>("promoter.renderer.duration", unit: "s", description: "Time to query and draw one chart");
    }

    public PrometheusRendererOptions Options => _options;

    public async Task<IReadOnlyList<AlertImage>> RenderAsync(RenderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var alert = request.Alert;
        var expression = AlertExpression.Find(alert, _options.QueryAnnotation);
        if (expression is null)
        {
            RendererLog.NoExpression(_logger, alert.Name, _options.QueryAnnotation);
            return [];
        }

        var plans = ThresholdInference.Infer(expression);
        if (plans[0].ParseError is { } parseError)
        {
            RendererLog.UnparsableExpression(_logger, alert.Name, parseError);
        }

        var explicitThreshold = ReadThreshold(alert);
        var unit = ReadUnit(alert);
        var (from, to) = Window(alert);
        var (client, note) = _sources.For(alert);
        if (note is not null)
        {
            RendererLog.UnmatchedSource(_logger, alert.Name, note);
        }

        var images = new List<AlertImage>(plans.Count);
        for (var i = 0; i < plans.Count; i++)
        {
            var plan = plans[i];
            if (explicitThreshold is { } t)
            {
                plan = plan with { Threshold = t, ThresholdQuery = null, Direction = plan.Direction == BreachDirection.None ? BreachDirection.Above : plan.Direction };
            }

            var title = alert.Name.Length > 0 ? alert.Name : "alert";
            if (plans.Count > 1)
            {
                title += $" ({i + 1}/{plans.Count})";
            }

            if (note is not null)
            {
                title += $" ({note})";
            }

            var model = await BuildModelAsync(client, plan, title, from, to, alert.Labels, unit, cancellationToken).ConfigureAwait(false);
            model = model with
            {
                FiringAt = alert.StartsAt,
                ResolvedAt = alert.IsFiring ? null : alert.EndsAt,
            };
            var trimmed = TrimLeadingGap(model);
            if (trimmed.From > model.From)
            {
                // Query the shorter window again, at its own resolution (the first step suited the whole window).
                model = (await BuildModelAsync(client, plan, title, trimmed.From, to, alert.Labels, unit, cancellationToken).ConfigureAwait(false)) with
                {
                    FiringAt = model.FiringAt,
                    ResolvedAt = model.ResolvedAt,
                };
            }
            images.Add(await DrawAsync(model, request.Format, $"{title}: {plan.Query}", cancellationToken).ConfigureAwait(false));
        }

        return images;
    }

    public async Task<AlertImage> RenderQueryAsync(ChartQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var to = query.To ?? _time.GetUtcNow();
        var from = query.From ?? to - _options.Window;
        if (from >= to)
        {
            throw new ArgumentException($"'from' ({from:O}) must be before 'to' ({to:O})", nameof(query));
        }

        var plan = ThresholdInference.Infer(query.Query)[0];
        if (query.Threshold is { } t)
        {
            plan = plan with { Threshold = t, ThresholdQuery = null, Direction = plan.Direction == BreachDirection.None ? BreachDirection.Above : plan.Direction };
        }

        var title = query.Title ?? "Query";
        var model = await BuildModelAsync(_sources.Default, plan, title, from, to, null, null, cancellationToken).ConfigureAwait(false);
        return await DrawAsync(model, query.Format, $"{title}: {plan.Query}", cancellationToken).ConfigureAwait(false);
    }

    private async Task<ChartModel> BuildModelAsync(PrometheusClient client, ChartPlan plan, string title, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyDictionary<string, string>? alertLabels, Unit? unit, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var step = QueryStep.For(from, to, _options.Points);
        var (qFrom, qTo) = QueryStep.Align(from, to, step);
        try
        {
            var main = client.QueryRangeAsync(plan.Query, qFrom, qTo, step, cancellationToken);
            var other = plan.ThresholdQuery is { } tq ? client.QueryRangeAsync(tq, qFrom, qTo, step, cancellationToken) : null;
            var result = await main.ConfigureAwait(false);
            var thresholdResult = other is null ? null : await other.ConfigureAwait(false);

            var (shown, hidden) = SeriesSelection.Select(result, alertLabels, plan.Direction, _options.MaxSeries);
            var names = SeriesSelection.Names(shown, plan.Query);
            var series = shown.Select((s, i) => new ChartSeries(names[i], s.Samples)).ToList();
            if (thresholdResult is { Count: > 0 })
            {
                var (t, _) = SeriesSelection.Select(thresholdResult, alertLabels, BreachDirection.None, 1);
                series.Add(new ChartSeries("threshold", t[0].Samples, IsThreshold: true));
            }

            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return new ChartModel
            {
                Title = title,
                Expression = plan.Query,
                From = from,
                To = to,
                Step = step,
                Series = series,
                HiddenSeries = hidden,
                Threshold = plan.Threshold,
                Direction = plan.Direction,
                Unit = unit ?? UnitFormatter.Infer(plan.Plotted),
            };
        }
        catch (PrometheusQueryException e)
        {
            _charts.Add(1, new KeyValuePair<string, object?>("result", "query_error"));
            RendererLog.QueryFailed(_logger, e.Message);
            throw;
        }
    }

    /// <summary>
    /// When no series has data in the first part of the window (a metric that began to exist minutes ago, a
    /// fresh Prometheus), the chart starts shortly before the first sample instead of showing an empty stretch
    /// that squeezes the data against the right edge. The firing marker always stays inside the chart.
    /// </summary>
    internal static ChartModel TrimLeadingGap(ChartModel model)
    {
        double? firstSeconds = null;
        foreach (var series in model.Series)
        {
            foreach (var sample in series.Samples)
            {
                if (double.IsFinite(sample.Value))
                {
                    if (firstSeconds is null || sample.Time < firstSeconds)
                    {
                        firstSeconds = sample.Time;
                    }

                    break;
                }
            }
        }

        DateTimeOffset? first = firstSeconds is { } fs ? DateTimeOffset.FromUnixTimeMilliseconds((long)(fs * 1000)) : null;

        var span = model.To - model.From;
        if (first is not { } f || f - model.From < span * 0.2)
        {
            return model; // no data at all ("no data" picture), or data from early enough: keep the window
        }

        var from = f - TimeSpan.FromTicks(Math.Max(model.Step.Ticks * 2, (model.To - f).Ticks / 20));
        if (model.FiringAt is { } firing && firing.Year > 1 && firing - TimeSpan.FromTicks((model.To - firing).Ticks / 10 + model.Step.Ticks) < from)
        {
            from = firing - TimeSpan.FromTicks((model.To - firing).Ticks / 10 + model.Step.Ticks);
        }

        return from > model.From ? model with { From = from } : model;
    }

    private async Task<AlertImage> DrawAsync(ChartModel model, ImageFormat format, string title, CancellationToken cancellationToken)
    {
        var style = _options.Style;
        var svg = SvgChartWriter.Write(model, style);
        _charts.Add(1, new KeyValuePair<string, object?>("result", model.Series.Count == 0 ? "no_data" : "ok"));
        return format == ImageFormat.Svg
            ? new AlertImage(title, Encoding.UTF8.GetBytes(svg), "image/svg+xml", style.PixelWidth, style.PixelHeight)
            : new AlertImage(title, await PngRasterizer.RasterizeAsync(svg, style, cancellationToken).ConfigureAwait(false), "image/png",
                style.PixelWidth, style.PixelHeight);
    }

    /// <summary>
    /// Firing: from min(startsAt − lead, now − window) to now. Resolved: startsAt..endsAt with a margin on both
    /// sides (a quarter of the alert's duration, at least 2 minutes, at most lead) so both markers are visible.
    /// </summary>
    internal (DateTimeOffset From, DateTimeOffset To) Window(Alert alert)
    {
        var now = _time.GetUtcNow();
        var hasEnd = alert.EndsAt.Year > 1 && alert.EndsAt > alert.StartsAt;
        if (alert.IsFiring || !hasEnd)
        {
            var start = alert.StartsAt.Year > 1 ? alert.StartsAt - _options.Lead : now - _options.Window;
            var from = start < now - _options.Window ? start : now - _options.Window;
            return (from, now);
        }

        var duration = alert.EndsAt - alert.StartsAt;
        var margin = TimeSpan.FromTicks(Math.Min(Math.Max(duration.Ticks / 4, TimeSpan.FromMinutes(2).Ticks), Math.Max(_options.Lead.Ticks, TimeSpan.FromMinutes(2).Ticks)));
        var to = alert.EndsAt + margin;
        return (alert.StartsAt - margin, to < now ? to : now);
    }

    private double? ReadThreshold(Alert alert)
    {
        if (!alert.Annotations.TryGetValue(_options.ThresholdAnnotation, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && !double.IsNaN(v))
        {
            return v;
        }

        RendererLog.BadThresholdAnnotation(_logger, alert.Name, _options.ThresholdAnnotation, text);
        return null;
    }

    private Unit? ReadUnit(Alert alert)
    {
        if (!alert.Annotations.TryGetValue(_options.UnitAnnotation, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var unit = UnitFormatter.Parse(text);
        if (unit is null)
        {
            RendererLog.BadUnitAnnotation(_logger, alert.Name, _options.UnitAnnotation, text);
        }

        return unit;
    }
}
