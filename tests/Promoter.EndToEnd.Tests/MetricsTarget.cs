using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Promoter.Testing.FakeServers;

namespace Promoter.EndToEnd.Tests;

/// <summary>
/// A scrape target whose gauges the test sets: Prometheus scrapes /metrics in the text exposition format,
/// so an alert on a gauge fires and resolves exactly when the test flips it.
/// </summary>
internal sealed class MetricsTarget : LoopbackHttpServer
{
    private readonly Dictionary<string, double> _gauges = new(StringComparer.Ordinal);

    public static async Task<MetricsTarget> StartAsync(IReadOnlyDictionary<string, double> gauges)
    {
        var target = new MetricsTarget();
        foreach (var (name, value) in gauges)
        {
            target.Set(name, value);
        }

        await target.StartServerAsync();
        return target;
    }

    public string HostAndPort => $"127.0.0.1:{Port}";

    public void Set(string name, double value)
    {
        lock (_gauges)
        {
            _gauges[name] = value;
        }
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != "/metrics")
        {
            context.Response.StatusCode = 404;
            return;
        }

        var sb = new StringBuilder();
        lock (_gauges)
        {
            foreach (var (name, value) in _gauges)
            {
                sb.Append(CultureInfo.InvariantCulture, $"# TYPE {name} gauge\n{name} {value.ToString("R", CultureInfo.InvariantCulture)}\n");
            }
        }

        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(sb.ToString());
    }
}
