using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace Promoter.Abstractions.Channels;

/// <summary>
/// One HTTP exchange with a per-request timeout, turning network failures and timeouts into transient
/// results, and the one mapping from HTTP statuses to <see cref="FailureReason"/> that every channel (and the
/// channel conformance kit) shares. The request URL is never put into a message: robot URLs carry their token.
/// </summary>
public sealed class ChannelHttp
{
    // Error bodies are quoted in results for the operator; a bounded excerpt is enough.
    private const int ExcerptLength = 300;

    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    })
    { Timeout = System.Threading.Timeout.InfiniteTimeSpan });

    private readonly HttpClient _client;
    private readonly SecretRedactor _redactor;
    private readonly TimeProvider _time;

    public ChannelHttp(IServiceProvider services, string clientName, TimeSpan timeout, SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(services);
        _client = services.GetService<IHttpClientFactory>()?.CreateClient(clientName) ?? SharedClient.Value;
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        Timeout = timeout;
        _redactor = redactor;
    }

    public TimeSpan Timeout { get; }

    /// <summary>Sends the request; returns the response (status, body, Retry-After) or a transient failure.</summary>
    public async Task<HttpExchange> SendAsync(HttpRequestMessage request, string service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return new HttpExchange((int)response.StatusCode, body, RetryAfter(response.Headers.RetryAfter), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(DeliveryResult.Transient(
                $"{service} did not answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (timed out); the request will be retried"));
        }
        catch (HttpRequestException e)
        {
            return Failed(DeliveryResult.Transient($"cannot reach {service}: {_redactor.Redact(e.Message)}"));
        }
    }

    /// <summary>Classifies a non-2xx HTTP status the same way for every service.</summary>
    public DeliveryResult ClassifyStatus(HttpExchange exchange, string service)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var status = exchange.Status;
        var detail = $"{service} answered HTTP {status} {ReasonPhrase(status)}{Excerpt(exchange.Body)}";
        var result = status switch
        {
            429 => DeliveryResult.RateLimited(detail, exchange.RetryAfter),
            401 or 403 => DeliveryResult.Auth(detail + "; check the credentials (token, secret, URL) and any IP allow-list"),
            400 or 413 => DeliveryResult.Invalid(detail),
            >= 500 => DeliveryResult.Transient(detail),
            408 => DeliveryResult.Transient(detail),
            _ => DeliveryResult.Permanent(detail),
        };
        return result with { StatusCode = status };
    }

    /// <summary>": excerpt" of a response body, redacted and bounded, or "" for an empty body.</summary>
    public string Excerpt(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var text = body.Trim();
        if (text.Length == 0)
        {
            return "";
        }

        if (text.Length > ExcerptLength)
        {
            text = text[..ExcerptLength] + "…";
        }

        return ": " + _redactor.Redact(text);
    }

    private static HttpExchange Failed(DeliveryResult result) => new(0, "", null, result);

    private static string ReasonPhrase(int status) =>
        Enum.IsDefined(typeof(HttpStatusCode), status) ? ((HttpStatusCode)status).ToString() : "";

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}

/// <summary>What came back: a status and body, or (Status 0) the failure that prevented an answer.</summary>
public sealed record HttpExchange(int Status, string Body, TimeSpan? RetryAfter, DeliveryResult? Failure)
{
    public bool IsSuccessStatus => Status is >= 200 and < 300;
}

/// <summary>Replaces every configured secret in a text by "***" (messages and logs never carry secrets), in its
/// plain and URL-escaped forms; the longest secrets first, so that one containing another is removed whole.</summary>
public sealed class SecretRedactor(IEnumerable<string> secrets)
{
    private readonly string[] _secrets = secrets.Where(s => s.Length >= 4).Distinct(StringComparer.Ordinal)
        .OrderByDescending(s => s.Length).ToArray();

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var s in _secrets)
        {
            text = text.Replace(s, "***", StringComparison.Ordinal);
            var escaped = Uri.EscapeDataString(s);
            if (escaped != s)
            {
                text = text.Replace(escaped, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
