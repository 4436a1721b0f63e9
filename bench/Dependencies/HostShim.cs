// PrometheusTextExporter.cs (compiled in from src/Host/Metrics) needs only the meter name of the host's metrics.
namespace Promoter.Host.Metrics
{
    internal static class PromoterMetrics
    {
        public const string MeterName = "Promoter";
    }
}
