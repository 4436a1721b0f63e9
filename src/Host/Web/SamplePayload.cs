using Promoter.Abstractions.Model;

namespace Promoter.Host.Web;

/// <summary>The group a template preview uses when the request brings no data: one firing, one resolved alert.</summary>
internal static class SamplePayload
{
    public static AlertGroup Group { get; } = new()
    {
        Receiver = "preview",
        Status = "firing",
        GroupKey = "{}:{alertname=\"HighLatency\"}",
        ExternalUrl = "http://alertmanager.example.com:9093",
        GroupLabels = new Dictionary<string, string> { ["alertname"] = "HighLatency" },
        CommonLabels = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["job"] = "api", ["severity"] = "warning" },
        CommonAnnotations = new Dictionary<string, string> { ["summary"] = "API latency is high" },
        Alerts =
        [
            new Alert
            {
                Status = "firing",
                Labels = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["job"] = "api", ["instance"] = "api-1:8080", ["severity"] = "warning" },
                Annotations = new Dictionary<string, string> { ["summary"] = "API latency is high", ["description"] = "p99 latency is 1.2s (threshold 0.5s)" },
                StartsAt = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero),
                GeneratorUrl = "http://prometheus.example.com:9090/graph?g0.expr=histogram_quantile%280.99%2C+rate%28http_request_duration_seconds_bucket%5B5m%5D%29%29+%3E+0.5&g0.tab=1",
                Fingerprint = "1a2b3c4d5e6f7081",
            },
            new Alert
            {
                Status = "resolved",
                Labels = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["job"] = "api", ["instance"] = "api-2:8080", ["severity"] = "warning" },
                Annotations = new Dictionary<string, string> { ["summary"] = "API latency is high" },
                StartsAt = new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero),
                EndsAt = new DateTimeOffset(2026, 11, 21, 9, 50, 0, TimeSpan.Zero),
                Fingerprint = "8071f6e5d4c3b2a1",
            },
        ],
    };
}
