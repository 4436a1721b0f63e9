namespace Promoter.Renderer.Prometheus.Client;

internal sealed record PrometheusClientOptions(Uri BaseUrl, TimeSpan Timeout)
{
    /// <summary>The full Authorization header value (Bearer …, Basic …), or null.</summary>
    public string? Authorization { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
