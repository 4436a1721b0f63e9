using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

using Promoter.Abstractions.Channels;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// One HTTP exchange with a per-request timeout, turning network failures and timeouts into transient
/// results, and the one mapping from HTTP statuses to <see cref="FailureReason"/> that every channel (and the
/// channel conformance kit) shares. The request URL is never put into a message: robot URLs carry their token.
/// </summary>
public sealed class ChannelHttp
{
    // Error bodies are quoted in results for the operator; a bounded excerpt is enough.
    private const int ExcerptLength = 300;

    /// <summary>Bytes read from a non-2xx answer: more than an excerpt needs, far less than a hostile body.</summary>
    public const int MaxErrorBodyBytes = 8 * 1024;

    /// <summary>Bytes read from a 2xx answer. Slack's chat.postMessage echoes the message (up to 40,000
    /// characters of text plus blocks); no channel's success answer comes near this.</summary>
    public const int MaxSuccessBodyBytes = 1024 * 1024;

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
            await EnsureContentLengthAsync(request, timeout.Token).ConfigureAwait(false);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            // Bounded: a service (or anything at a configured URL) answering with a 200 MiB body must not take
            // 200 MiB of memory. An error needs only an excerpt; a success body only the fields a channel reads.
            var limit = response.IsSuccessStatusCode ? MaxSuccessBodyBytes : MaxErrorBodyBytes;
            var body = await ReadBoundedAsync(response.Content, limit, timeout.Token).ConfigureAwait(false);
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
            // RFC 9110 §10.2.3: a 503 may say when to come back; the pipeline waits at least that long.
            503 => DeliveryResult.Transient(detail, exchange.RetryAfter),
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

    /// <summary>
    /// Gives a body without a known length (JsonContent, a stream) a Content-Length by buffering it. HttpClient
    /// would otherwise send it chunked, and chunked bodies reach many webhook servers empty (PHP behind FastCGI,
    /// some gateways; Microsoft Teams answers "Empty Payload"). Alertmanager and prometheus-webhook-dingtalk
    /// always send a Content-Length; so does every request Promoter makes.
    /// </summary>
    public static async Task EnsureContentLengthAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is { } content && content.Headers.ContentLength is null)
        {
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            // Buffered content reports its length from here on: the header goes out with the request.
            content.Headers.ContentLength = content.Headers.ContentLength;
        }
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> of a body as UTF-8 text; the rest is never read.</summary>
    public static async Task<string> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var declared = content.Headers.ContentLength;
        var buffer = new byte[(int)Math.Min(declared is { } d and >= 0 ? d : 16 * 1024, maxBytes)];
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var total = 0;
            while (total < maxBytes)
            {
                if (total == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(total, buffer.Length - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
        }
    }

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

/// <summary>
/// Removes secrets from text that leaves the process (logs, API answers, pages, recorded errors): every configured
/// secret as a substring, in its plain and URL-escaped forms; for a secret that is a URL, also each part of it that
/// carries a credential on its own (query values such as DingTalk's access_token, path segments such as Slack's,
/// Discord's and Teams' webhook paths, user info), because a service may echo only its path and query; and text of
/// the shapes credentials have whatever their source (Slack tokens, <c>access_token=…</c>, user info in a URL).
/// The longest secrets go first, so that one containing another is removed whole.
/// </summary>
public sealed partial class SecretRedactor
{
    private const string Mask = "***";

    // Shorter pieces are too likely to be ordinary words or numbers to be replaced wherever they appear.
    private const int MinimumLength = 4;
    private const int MinimumPathSegmentLength = 6;

    private readonly string[] _secrets;

    public SecretRedactor(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets.SelectMany(Pieces).Where(s => s.Length >= MinimumLength).Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length).ToArray();
    }

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var s in _secrets)
        {
            text = text.Replace(s, Mask, StringComparison.Ordinal);
            var escaped = Uri.EscapeDataString(s);
            if (escaped != s)
            {
                text = text.Replace(escaped, Mask, StringComparison.Ordinal);
            }
        }

        return RedactShapes(text);
    }

    /// <summary>Only the shapes credentials have (no configured secrets): for text whose secrets are not known.</summary>
    public static string RedactShapes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = SlackToken().Replace(text, Mask);
        text = CredentialParameter().Replace(text, m => m.Groups[1].Value + Mask);
        text = UserInfo().Replace(text, m => m.Groups[1].Value + Mask + "@");
        text = BearerValue().Replace(text, m => m.Groups[1].Value + Mask);
        text = KnownWebhookPath().Replace(text, m => m.Groups[1].Value + Mask);
        return text;
    }

    /// <summary>The secret itself and, for a URL, the parts of it that are credentials on their own.</summary>
    private static IEnumerable<string> Pieces(string secret)
    {
        yield return secret;
        if (!Uri.TryCreate(secret.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield break;
        }

        if (uri.UserInfo.Length > 0)
        {
            foreach (var part in uri.UserInfo.Split(':'))
            {
                yield return Uri.UnescapeDataString(part);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0 && eq < pair.Length - 1)
            {
                var value = pair[(eq + 1)..];
                yield return value;
                yield return Uri.UnescapeDataString(value);
            }
        }

        // Webhook URLs keep their secret in the path (Slack /services/T…/B…/<token>, Discord
        // /api/webhooks/<id>/<token>, Teams /webhookb2/<guid>@<guid>/IncomingWebhook/<hex>/<guid>). Words such as
        // "services" or "webhooks" are not secrets: a segment counts when it holds a digit or is long.
        foreach (var segment in uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var plain = Uri.UnescapeDataString(segment);
            if (plain.Length >= MinimumPathSegmentLength && (plain.Any(char.IsAsciiDigit) || plain.Length >= 16))
            {
                yield return segment;
                yield return plain;
            }
        }
    }

    // xoxb- (bot), xoxp- (user), xoxa-/xoxr- (app/refresh), xoxs-, xoxe- tokens and xapp- app-level tokens.
    [System.Text.RegularExpressions.GeneratedRegex(@"\bx(?:ox[abeoprs]|app)-[A-Za-z0-9-]{6,}", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SlackToken();

    // Query or form parameters that carry credentials: DingTalk/WeCom/Feishu access_token, key, sign, token…
    [System.Text.RegularExpressions.GeneratedRegex(@"\b((?:access_token|accesstoken|token|api_key|apikey|key|secret|sign|signature|password|passwd|sig|auth)=)[^&\s""'<>]+",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex CredentialParameter();

    // scheme://user:password@host — the user info of any URL.
    [System.Text.RegularExpressions.GeneratedRegex(@"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@""'<>]+@", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UserInfo();

    [System.Text.RegularExpressions.GeneratedRegex(@"(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex BearerValue();

    // Webhook paths that are credentials by themselves: Slack incoming webhooks, Discord webhooks, Teams connectors.
    [System.Text.RegularExpressions.GeneratedRegex(@"(/services/|/api/webhooks/|/webhookb2/|/workflows/)[^\s?""'<>]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex KnownWebhookPath();
}
