namespace Promoter.Renderer.Prometheus.Client;

/// <summary>One series of a query result: its labels and samples (unix seconds, value; NaN kept).</summary>
internal sealed record PrometheusSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Sample> Samples)
{
    public string? MetricName => Labels.TryGetValue("__name__", out var n) ? n : null;

    public double LastValue
    {
        get
        {
            for (var i = Samples.Count - 1; i >= 0; i--)
            {
                if (!double.IsNaN(Samples[i].Value))
                {
                    return Samples[i].Value;
                }
            }

            return double.NaN;
        }
    }
}

internal readonly record struct Sample(double Time, double Value);

/// <summary>A query Prometheus rejected or could not answer, with a message fit for a chat note and a log.</summary>
internal sealed class PrometheusQueryException(string message, string? errorType = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string? ErrorType { get; } = errorType;
}
