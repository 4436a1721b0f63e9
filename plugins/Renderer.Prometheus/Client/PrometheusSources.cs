using Promoter.Abstractions.Model;

namespace Promoter.Renderer.Prometheus.Client;

/// <summary>One Prometheus the renderer may query, chosen for alerts whose generatorURL starts with <see cref="Match"/>.</summary>
/// <param name="Match">The external URL (origin and optional path) Prometheus writes into generatorURL.</param>
internal sealed record PrometheusSource(Uri Match, PrometheusClient Client);

/// <summary>
/// Picks the Prometheus to chart an alert from. An Alertmanager fed by several Prometheus servers (one per cluster is
/// common) gets alerts whose generatorURL names the server's external URL; the configuration maps each such URL to an
/// address Promoter can reach. The generatorURL itself is never fetched: a payload cannot make Promoter query a host
/// the operator did not configure. An origin that no source matches is charted from the default, with a note.
/// </summary>
internal sealed class PrometheusSources(PrometheusClient fallback, IReadOnlyList<PrometheusSource> sources)
{
    public PrometheusClient Default => fallback;

    public (PrometheusClient Client, string? Note) For(Alert alert)
    {
        if (sources.Count == 0 || !Uri.TryCreate(alert.GeneratorUrl, UriKind.Absolute, out var generator))
        {
            return (fallback, null);
        }

        foreach (var source in sources)
        {
            if (Matches(source.Match, generator))
            {
                return (source.Client, null);
            }
        }

        return (fallback, $"queried the default Prometheus: no source matches {generator.GetLeftPart(UriPartial.Authority)}");
    }

    /// <summary>Same scheme, host and port, and the generator's path starts with the match's path at a segment boundary.</summary>
    internal static bool Matches(Uri match, Uri generator)
    {
        if (!string.Equals(match.Scheme, generator.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(match.IdnHost, generator.IdnHost, StringComparison.OrdinalIgnoreCase)
            || match.Port != generator.Port)
        {
            return false;
        }

        var prefix = match.AbsolutePath.TrimEnd('/');
        var path = generator.AbsolutePath;
        return prefix.Length == 0
            || (path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/'));
    }
}
