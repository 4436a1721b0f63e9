using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk;

namespace Promoter.Sample.Ntfy;

/// <summary>
/// Publishes a notification to an ntfy topic with ntfy's JSON publishing (POST to the server's root URL,
/// the topic in the body). It sends once and classifies the answer; it never retries or sleeps: the host's
/// pipeline owns retries, backoff and deadlines.
/// </summary>
internal sealed partial class NtfyChannel(string name, NtfyOptions options, ICompiledTemplate? title, ICompiledTemplate? text,
    HttpClient http, ILogger logger) : IChannel
{
    // ntfy turns a message over 4,096 bytes into an attachment; keep messages readable in the app instead.
    private const int MaxMessageBytes = 4096;

    // Error bodies are quoted for the operator; an excerpt is enough.
    private const int ExcerptLength = 200;

    public string Name => name;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.ServerUrl)
        {
            Content = new ByteArrayContent(Body(notification)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (options.Token is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        int status;
        string body;
        TimeSpan? retryAfter;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            // Bounded: a server answering with a huge body must not take that much memory.
            body = await ChannelHttp.ReadBoundedAsync(response.Content,
                response.IsSuccessStatusCode ? ChannelHttp.MaxSuccessBodyBytes : ChannelHttp.MaxErrorBodyBytes, timeout.Token).ConfigureAwait(false);
            retryAfter = response.Headers.RetryAfter?.Delta;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our own timeout, not the host's cancellation (that one propagates).
            return DeliveryResult.Transient(
                $"ntfy did not answer within {options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (timed out)");
        }
        catch (HttpRequestException e)
        {
            // The message names host and port at most; the topic and token are in the body and headers.
            return DeliveryResult.Transient($"cannot reach ntfy: {e.Message}");
        }

        return Classify(status, body, retryAfter);
    }

    /// <summary>ntfy answers errors as JSON with an HTTP status (and its own code): the status decides.</summary>
    internal static DeliveryResult Classify(int status, string body, TimeSpan? retryAfter)
    {
        if (status is >= 200 and < 300)
        {
            return DeliveryResult.Success(MessageId(body));
        }

        var detail = $"ntfy answered HTTP {status.ToString(CultureInfo.InvariantCulture)}{Excerpt(body)}";
        var result = status switch
        {
            429 => DeliveryResult.RateLimited(detail + ": over the server's message limit", retryAfter),
            401 or 403 => DeliveryResult.Auth(detail + "; check token and that it may write to the topic"),
            400 or 413 => DeliveryResult.Invalid(detail),
            503 => DeliveryResult.Transient(detail, retryAfter),
            408 or >= 500 => DeliveryResult.Transient(detail),
            _ => DeliveryResult.Permanent(detail),
        };
        return result with { StatusCode = status };
    }

    private byte[] Body(Notification notification)
    {
        var input = new TemplateInput(notification.Group) { Images = notification.Images };
        var firing = notification.Group.Status == "firing";
        var message = Render(text, input) is { Length: > 0 } t ? t : Fallback(notification);
        foreach (var note in notification.Notes)
        {
            message += "\n" + note;
        }

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("topic", options.Topic);
            json.WriteString("title", Render(title, input) ?? notification.Group.Status);
            json.WriteString("message", Truncate(message, MaxMessageBytes));
            json.WriteNumber("priority", firing ? options.FiringPriority : options.ResolvedPriority);
            json.WriteStartArray("tags");
            json.WriteStringValue(firing ? "rotating_light" : "white_check_mark");
            json.WriteEndArray();

            // ntfy shows an image attachment inline: the first chart that has a URL.
            if (notification.Images.FirstOrDefault(i => i.Url is not null) is { Url: { } chart })
            {
                json.WriteString("attach", chart.AbsoluteUri);
            }

            if (notification.Group.ExternalUrl.Length > 0)
            {
                json.WriteString("click", notification.Group.ExternalUrl);
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>A template that fails at send time must not lose the alert: log it and send the fallback.</summary>
    private string? Render(ICompiledTemplate? template, TemplateInput input)
    {
        if (template is null)
        {
            return null;
        }

        try
        {
            return template.Render(input).Trim();
        }
        catch (TemplateException e)
        {
            LogTemplateFailed(logger, name, template.Name, e.Message);
            return null;
        }
    }

    private static string Fallback(Notification n) =>
        string.Join("\n", n.Group.Alerts.Select(a => $"{a.Status.ToUpperInvariant()} {a.Name}"));

    private static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var cut = text.Length;
        while (cut > 0 && Encoding.UTF8.GetByteCount(text.AsSpan(0, cut)) > maxBytes - 4)
        {
            cut = Math.Max(0, cut - Math.Max(1, (cut - maxBytes) / 2));
        }

        // Never cut a surrogate pair in half.
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + " …";
    }

    /// <summary>ntfy's answer carries the message id: {"id":"hwQ2YpKdmg6j", …}.</summary>
    private static string? MessageId(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Excerpt(string body)
    {
        var t = body.Trim();
        if (t.Length == 0)
        {
            return "";
        }

        return ": " + (t.Length <= ExcerptLength ? t : t[..ExcerptLength] + "…");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Channel {Channel}: template {Template} failed, sending the plain message instead: {Error}")]
    private static partial void LogTemplateFailed(ILogger logger, string channel, string template, string error);
}
