using System.Web;
using Promoter.Abstractions.Model;

namespace Promoter.Renderer.Prometheus;

/// <summary>Where an alert's query comes from: an annotation that overrides the rule's expression, or the rule itself.</summary>
internal static class AlertExpression
{
    /// <summary>
    /// The annotation named <paramref name="annotation"/> if set, else <c>g0.expr</c> of the generatorURL
    /// (Prometheus and Thanos Ruler link to /graph?g0.expr=…, form-encoded so '+' is a space). Null when neither.
    /// </summary>
    public static string? Find(Alert alert, string annotation)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Annotations.TryGetValue(annotation, out var fromAnnotation) && !string.IsNullOrWhiteSpace(fromAnnotation))
        {
            return fromAnnotation.Trim();
        }

        if (string.IsNullOrEmpty(alert.GeneratorUrl))
        {
            return null;
        }

        var q = alert.GeneratorUrl.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return null;
        }

        var query = alert.GeneratorUrl[(q + 1)..];
        var hash = query.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            query = query[..hash];
        }

        var expr = HttpUtility.ParseQueryString(query)["g0.expr"];
        return string.IsNullOrWhiteSpace(expr) ? null : expr.Trim();
    }
}
