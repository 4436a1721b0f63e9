using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Webhook;

/// <summary>
/// POSTs the Alertmanager payload (plus per-alert image URLs) as JSON, or a templated body, to a sink.
/// 2xx is success; 429 and 5xx are retried by the pipeline; any other status is final.
/// </summary>
internal sealed class WebhookChannel(string name, WebhookOptions options, ICompiledTemplate? body, ChannelHttp http, ILogger logger) : IChannel
{
    private const string Service = "the webhook";

    public string Name => name;

    public ChannelRateLimit? RateLimit => options.RateLimit;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = Content(notification) };
        foreach (var (header, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        if (options.Authorization is { } auth)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth);
        }

        // The same on every attempt of this delivery: a sink that remembers it can drop the resend that
        // follows a crash between its 2xx and Promoter recording that 2xx (delivery is at-least-once there).
        request.Headers.TryAddWithoutValidation("Idempotency-Key", notification.DeliveryId);

        var exchange = await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        return exchange.IsSuccessStatus ? DeliveryResult.Success() : http.ClassifyStatus(exchange, Service);
    }

    private HttpContent Content(Notification notification)
    {
        var payload = WebhookPayload.From(notification);
        if (body is not null)
        {
            try
            {
                var text = body.Render(new TemplateInput(notification.Group) { Images = notification.Images });
                var content = new StringContent(text, Encoding.UTF8);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(options.ContentType);
                return content;
            }
            catch (TemplateException e)
            {
                WebhookLog.TemplateFailed(logger, name, body.Name, e.Message);
            }
        }

        // The standard body: what Alertmanager would have sent, plus images.
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, WebhookJsonContext.Default.WebhookPayload);
        var standard = new ByteArrayContent(json);
        standard.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return standard;
    }
}

internal static partial class WebhookLog
{
    [LoggerMessage(8901, LogLevel.Error, "Channel {Channel}: body template {Template} failed, sending the Alertmanager JSON instead: {Error}")]
    public static partial void TemplateFailed(ILogger logger, string channel, string template, string error);
}
