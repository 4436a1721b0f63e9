using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Promoter.Renderer.Prometheus.Client;

/// <summary>
/// The HTTP API of Prometheus and compatible servers (Thanos Query, VictoriaMetrics, Mimir): /api/v1/query and
/// /api/v1/query_range. Errors come back as {"status":"error","errorType":…,"error":…} with a 4xx/5xx code;
/// both are surfaced in the exception message. Never echoes credentials.
/// </summary>
internal sealed class PrometheusClient(HttpClient http, PrometheusClientOptions options)
{
    // URLs longer than this go as a form-encoded POST: proxies commonly cap request lines at 4-8 KiB and
    // Prometheus accepts POST for both endpoints (since 2.1).
    private const int MaxGetUrlLength = 2000;

    public Uri BaseUrl => options.BaseUrl;

    public Task<IReadOnlyList<PrometheusSeries>> QueryRangeAsync(string query, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken cancellationToken) =>
        SendAsync("api/v1/query_range",
        [
            new("query", query),
            new("start", Unix(from)),
            new("end", Unix(to)),
            new("step", step.TotalSeconds.ToString(CultureInfo.InvariantCulture)),
        ], cancellationToken);

    public Task<IReadOnlyList<PrometheusSeries>> QueryAsync(string query, DateTimeOffset time, CancellationToken cancellationToken) =>
        SendAsync("api/v1/query", [new("query", query), new("time", Unix(time))], cancellationToken);

    private static string Unix(DateTimeOffset t) =>
        (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private async Task<IReadOnlyList<PrometheusSeries>> SendAsync(string path, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        var endpoint = new Uri(EnsureTrailingSlash(options.BaseUrl), path);
        using var content = new FormUrlEncodedContent(form);
        var body = await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var getUrl = new UriBuilder(endpoint) { Query = body }.Uri;
        using var request = getUrl.AbsoluteUri.Length <= MaxGetUrlLength
            ? new HttpRequestMessage(HttpMethod.Get, getUrl)
            : new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        if (options.Authorization is { } auth)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth);
        }

        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var where = Describe(endpoint);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await ReadBoundedAsync(response.Content, response.IsSuccessStatusCode ? MaxResponseBytes : MaxErrorBytes, where, timeout.Token)
                .ConfigureAwait(false);
            return Parse(bytes, response.StatusCode, where);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusQueryException($"Prometheus at {where} did not answer within {options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (raise the renderer's timeout, or check the server)", "timeout");
        }
        catch (HttpRequestException e)
        {
            throw new PrometheusQueryException($"cannot reach Prometheus at {where}: {e.Message}", "unavailable", e);
        }
    }

    // A chart needs at most 11,000 points per series (Prometheus' own limit) for a handful of series: tens of MiB
    // would be thousands of series, which no chart draws. An error answer needs only its message.
    private const int MaxResponseBytes = 64 * 1024 * 1024;
    private const int MaxErrorBytes = 64 * 1024;

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int max, string where, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > max && max == MaxResponseBytes)
        {
            throw new PrometheusQueryException($"Prometheus at {where} answered with {content.Headers.ContentLength} bytes, more than the {max / (1024 * 1024)} MiB a chart can use; narrow the query (by, topk, label filters)");
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var room = max - (int)buffer.Length;
                buffer.Write(chunk, 0, Math.Min(read, room));
                if (read >= room)
                {
                    if (max == MaxResponseBytes)
                    {
                        throw new PrometheusQueryException($"Prometheus at {where} answered with more than the {max / (1024 * 1024)} MiB a chart can use; narrow the query (by, topk, label filters)");
                    }

                    break; // an error body: its beginning says what went wrong
                }
            }

            return buffer.ToArray();
        }
    }

    private static Uri EnsureTrailingSlash(Uri u) =>
        u.AbsolutePath.EndsWith('/') ? u : new UriBuilder(u) { Path = u.AbsolutePath + "/" }.Uri;

    /// <summary>scheme://host:port/path, without user info or query (either may carry a credential).</summary>
    private static string Describe(Uri u) => $"{u.Scheme}://{u.Authority}{u.AbsolutePath}";

    internal static IReadOnlyList<PrometheusSeries> Parse(byte[] body, HttpStatusCode status, string where)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            var snippet = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).ReplaceLineEndings(" ");
            throw new PrometheusQueryException(
                $"{where} answered HTTP {(int)status} with a body that is not Prometheus API JSON: \"{snippet}\" (is the url the Prometheus base URL, such as http://prometheus:9090?)");
        }

        using (doc)
        {
            var root = doc.RootElement;
            var statusText = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (statusText != "success")
            {
                var errorType = root.TryGetProperty("errorType", out var et) ? et.GetString() : null;
                var error = root.TryGetProperty("error", out var er) ? er.GetString() : null;
                throw new PrometheusQueryException(
                    $"Prometheus at {where} answered HTTP {(int)status}: {errorType ?? "error"}: {error ?? "no error message"}", errorType);
            }

            if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("result", out var result))
            {
                throw new PrometheusQueryException($"Prometheus at {where} answered without data.result");
            }

            var type = data.TryGetProperty("resultType", out var rt) ? rt.GetString() : null;
            var list = new List<PrometheusSeries>();
            switch (type)
            {
                case "matrix":
                    foreach (var item in result.EnumerateArray())
                    {
                        var samples = new List<Sample>();
                        if (item.TryGetProperty("values", out var values))
                        {
                            foreach (var pair in values.EnumerateArray())
                            {
                                samples.Add(ReadSample(pair));
                            }
                        }

                        list.Add(new PrometheusSeries(ReadLabels(item), samples));
                    }

                    break;
                case "vector":
                    foreach (var item in result.EnumerateArray())
                    {
                        List<Sample> samples = item.TryGetProperty("value", out var v) ? [ReadSample(v)] : [];
                        list.Add(new PrometheusSeries(ReadLabels(item), samples));
                    }

                    break;
                case "scalar":
                    list.Add(new PrometheusSeries(new Dictionary<string, string>(), [ReadSample(result)]));
                    break;
                default:
                    throw new PrometheusQueryException($"Prometheus at {where} returned a {type} result, which cannot be charted");
            }

            return list;
        }
    }

    private static Dictionary<string, string> ReadLabels(JsonElement item)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (item.TryGetProperty("metric", out var metric))
        {
            foreach (var p in metric.EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString() ?? "";
            }
        }

        return labels;
    }

    private static Sample ReadSample(JsonElement pair) =>
        new(pair[0].GetDouble(), ParseValue(pair[1].GetString()));

    /// <summary>Sample values are strings; Go formats infinities as +Inf/-Inf, which .NET does not parse.</summary>
    internal static double ParseValue(string? s) => s switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" or null => double.NaN,
        _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN,
    };
}
