using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Promoter.Renderer.Grafana.Panels;

/// <summary>
/// Grafana's variable interpolation for Prometheus queries: <c>$name</c>, <c>${name}</c>, <c>${name:format}</c> and
/// the deprecated <c>[[name]]</c>; the built-ins <c>$__interval</c>, <c>$__rate_interval</c>, <c>$__range</c> and
/// their <c>_ms</c>/<c>_s</c> forms. Values follow Grafana's Prometheus data source: a single value goes in as is
/// (with \ and ' escaped), several values (or "All") as a regex alternation <c>(a|b)</c> with regex metacharacters
/// escaped, since dashboards write them inside <c>=~"$instance"</c>.
/// </summary>
internal static partial class TemplateVariables
{
    [GeneratedRegex(@"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^\}]+))?\}", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    /// <summary>
    /// The value of each dashboard variable for one render: a caller's explicit value first (URL <c>var-x=</c>),
    /// then the alert's label of the same name (an alert on instance="node1:9100" shows node1's panel), then the
    /// value saved with the dashboard. "All" becomes the variable's allValue, else its saved options.
    /// </summary>
    public static Dictionary<string, ResolvedVariable> Resolve(IReadOnlyList<DashboardVariable> variables,
        IReadOnlyDictionary<string, string[]> explicitValues, IReadOnlyDictionary<string, string>? labels)
    {
        var result = new Dictionary<string, ResolvedVariable>(StringComparer.Ordinal);
        foreach (var v in variables)
        {
            string[] values;
            string source;
            if (explicitValues.TryGetValue(v.Name, out var given) && given.Length > 0)
            {
                (values, source) = (given, "request");
            }
            else if (labels is not null && labels.TryGetValue(v.Name, out var label))
            {
                (values, source) = ([label], "alert label");
            }
            else
            {
                (values, source) = (v.Current.ToArray(), "dashboard");
            }

            var all = values.Contains("$__all", StringComparer.Ordinal) || values.Contains("All", StringComparer.Ordinal) && v.IncludeAll;
            if (all)
            {
                values = v.AllValue is { Length: > 0 } av ? [av] : v.Options.Count > 0 ? v.Options.ToArray() : [".*"];
                var raw = v.AllValue is { Length: > 0 } || v.Options.Count == 0;
                result[v.Name] = new ResolvedVariable(values, source, Regex: true, Raw: raw);
                continue;
            }

            result[v.Name] = new ResolvedVariable(values, source, Regex: v.Multi || v.IncludeAll, Raw: false);
        }

        // Variables the dashboard does not declare but the request gives (a hand-written URL) are used as given.
        foreach (var (name, given) in explicitValues)
        {
            result.TryAdd(name, new ResolvedVariable(given, "request", Regex: given.Length > 1, Raw: false));
        }

        return result;
    }

    public static string Interpolate(string text, IReadOnlyDictionary<string, ResolvedVariable> variables, TimeSpan interval, TimeSpan rateInterval, TimeSpan range)
    {
        return Reference().Replace(text, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[4].Value;
            var format = m.Groups[3].Success ? m.Groups[3].Value : m.Groups[5].Success ? m.Groups[5].Value : null;
            switch (name)
            {
                case "__interval": return Duration(interval);
                case "__interval_ms": return ((long)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                case "__rate_interval": return Duration(rateInterval);
                case "__range": return Duration(range);
                case "__range_s": return ((long)range.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                case "__range_ms": return ((long)range.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            }

            return variables.TryGetValue(name, out var v) ? Format(v, format) : m.Value;
        });
    }

    private static string Format(ResolvedVariable v, string? format)
    {
        switch (format)
        {
            case "raw":
                return string.Join(',', v.Values);
            case "csv":
                return string.Join(',', v.Values);
            case "pipe":
                return string.Join('|', v.Values);
            case "regex":
                return v.Values.Length == 1 ? RegexEscape(v.Values[0]) : "(" + string.Join('|', v.Values.Select(RegexEscape)) + ")";
        }

        if (v.Raw)
        {
            return string.Join('|', v.Values);
        }

        if (!v.Regex && v.Values.Length == 1)
        {
            return v.Values[0].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
        }

        // Escaped twice over: once for the regex, once more for the PromQL string literal the regex sits in.
        var escaped = v.Values.Select(x => RegexEscape(x).Replace("\\", "\\\\", StringComparison.Ordinal)).ToList();
        return escaped.Count == 1 ? escaped[0] : "(" + string.Join('|', escaped) + ")";
    }

    private static string RegexEscape(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var c in s)
        {
            if ("\\^$*+?.()|{}[]".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>A Prometheus duration: whole seconds where possible (Grafana writes "15s", "1m" likewise).</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.FromSeconds(1))
        {
            return Math.Max(1, (long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        var s = (long)Math.Round(t.TotalSeconds);
        return s % 3600 == 0 ? $"{s / 3600}h" : s % 60 == 0 ? $"{s / 60}m" : $"{s}s";
    }

    /// <summary>Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval).</summary>
    public static TimeSpan RateInterval(TimeSpan interval, TimeSpan scrape) =>
        interval + scrape > scrape * 4 ? interval + scrape : scrape * 4;

    /// <summary>Legend format <c>{{instance}}</c> (spaces allowed) filled from a series' labels; missing labels become empty.</summary>
    public static string Legend(string format, IReadOnlyDictionary<string, string> labels) =>
        LegendReference().Replace(format, m => labels.TryGetValue(m.Groups[1].Value, out var v) ? v : "");

    [GeneratedRegex(@"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex LegendReference();
}

/// <param name="Values">The selected values.</param>
/// <param name="Source">Where they came from ("request", "alert label", "dashboard"), for the log.</param>
/// <param name="Regex">Whether the query expects a regex (multi-value or "All" variables).</param>
/// <param name="Raw">An allValue such as ".*" goes in unescaped, as Grafana does.</param>
internal sealed record ResolvedVariable(string[] Values, string Source, bool Regex, bool Raw);
