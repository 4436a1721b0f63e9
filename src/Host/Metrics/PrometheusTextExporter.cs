using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Promoter.Host.Metrics;

/// <summary>
/// Aggregates every instrument of the "Promoter" meters (the host's and the plugins') and writes them in the
/// Prometheus text exposition format (version 0.0.4) for /metrics. Counters become <c>_total</c> series,
/// histograms <c>_bucket</c>/<c>_sum</c>/<c>_count</c>, gauges plain samples.
/// </summary>
internal sealed class PrometheusTextExporter : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();

    public PrometheusTextExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(PromoterMetrics.MeterName, StringComparison.Ordinal))
            {
                _families[instrument] = new Family(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _families.TryRemove(instrument, out Family? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_families.TryGetValue(instrument, out var family))
        {
            family.Record(value, tags);
        }
    }

    public string Collect()
    {
        foreach (var f in _families.Values.Where(f => f.IsObservable))
        {
            f.ResetObservations();
        }

        _listener.RecordObservableInstruments();
        var sb = new StringBuilder(4096);
        foreach (var group in _families.Values.GroupBy(f => f.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            sb.Append("# HELP ").Append(first.Name).Append(' ').Append(Escape(first.Description, help: true)).Append('\n');
            sb.Append("# TYPE ").Append(first.Name).Append(' ').Append(first.PrometheusType).Append('\n');
            foreach (var f in group)
            {
                f.Write(sb);
            }
        }

        return sb.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static string Escape(string s, bool help = false)
    {
        var r = s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return help ? r : r.Replace("\"", "\\\"", StringComparison.Ordinal);
    }

    private static string Format(double v) => v switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(v) => "NaN",
        _ => v.ToString("R", CultureInfo.InvariantCulture),
    };

    private sealed class Family
    {
        private readonly Instrument _instrument;
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly bool _isCounter;
        private readonly bool _isHistogram;

        public Family(Instrument instrument)
        {
            _instrument = instrument;
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            _isHistogram = generic == typeof(Histogram<>);
            _isCounter = generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>);
            IsObservable = instrument.IsObservable;
            var name = Sanitize(instrument.Name);
            Name = _isCounter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
        }

        public string Name { get; }
        public bool IsObservable { get; }
        public string Description => _instrument.Description ?? _instrument.Name;
        public string PrometheusType => _isHistogram ? "histogram" : _isCounter ? "counter" : "gauge";

        public void ResetObservations() => _series.Clear();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            var s = _series.GetOrAdd(labels, static (l, h) => new Series(l, h), _isHistogram);
            lock (s)
            {
                if (_isHistogram)
                {
                    s.Count++;
                    s.Value += value;
                    for (var i = 0; i < DefaultBuckets.Length; i++)
                    {
                        if (value <= DefaultBuckets[i])
                        {
                            s.Buckets![i]++;
                        }
                    }
                }
                else if (_isCounter && !IsObservable)
                {
                    s.Value += value;
                }
                else
                {
                    s.Value = value;
                }
            }
        }

        public void Write(StringBuilder sb)
        {
            foreach (var s in _series.Values.OrderBy(s => s.Labels, StringComparer.Ordinal))
            {
                lock (s)
                {
                    if (_isHistogram)
                    {
                        for (var i = 0; i < DefaultBuckets.Length; i++)
                        {
                            Line(sb, Name + "_bucket", Join(s.Labels, $"le=\"{Format(DefaultBuckets[i])}\""), s.Buckets![i]);
                        }

                        Line(sb, Name + "_bucket", Join(s.Labels, "le=\"+Inf\""), s.Count);
                        Line(sb, Name + "_sum", s.Labels, s.Value);
                        Line(sb, Name + "_count", s.Labels, s.Count);
                    }
                    else
                    {
                        Line(sb, Name, s.Labels, s.Value);
                    }
                }
            }
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static void Line(StringBuilder sb, string name, string labels, double value)
        {
            sb.Append(name);
            if (labels.Length > 0)
            {
                sb.Append('{').Append(labels).Append('}');
            }

            sb.Append(' ').Append(Format(value)).Append('\n');
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<KeyValuePair<string, object?>>(tags.ToArray());
            pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            var sb = new StringBuilder();
            foreach (var (k, v) in pairs)
            {
                if (sb.Length > 0)
                {
                    sb.Append(',');
                }

                sb.Append(Sanitize(k)).Append("=\"").Append(Escape(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")).Append('"');
            }

            return sb.ToString();
        }

        private static string Sanitize(string name)
        {
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_' || chars[i] == ':'))
                {
                    chars[i] = '_';
                }
            }

            return new string(chars);
        }
    }

    private sealed class Series(string labels, bool histogram)
    {
        public string Labels { get; } = labels;
        public double Value { get; set; }
        public long Count { get; set; }
        public long[]? Buckets { get; } = histogram ? new long[DefaultBuckets.Length] : null;
    }
}
