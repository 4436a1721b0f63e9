using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk;

namespace Promoter.Example.Channel;

/// <summary>
/// Posts one JSON message per notification. Sends once and classifies the answer (ChannelHttp: timeouts and network
/// errors are transient, statuses by the shared table); never retries or sleeps: the host's pipeline does that.
/// </summary>
internal sealed partial class JsonChannel(string name, JsonChannelOptions options, ICompiledTemplate title, ICompiledTemplate text,
    ChannelHttp http, ILogger logger) : IChannel
{
    public string Name => name;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var input = new TemplateInput(notification.Group) { Images = notification.Images };
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = notification.DeliveryId,
            status = notification.Group.Status,
            title = Render(title, input, notification.Group.GroupKey),
            text = Render(text, input, string.Join("\n", notification.Group.Alerts.Select(a => a.Name))),
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        // Services that accept an idempotency key do not show a message twice when an answer was lost.
        request.Headers.TryAddWithoutValidation("Idempotency-Key", notification.DeliveryId);
        if (options.Token is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var exchange = await http.SendAsync(request, "the service", cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        return exchange.IsSuccessStatus ? DeliveryResult.Success(null) with { StatusCode = exchange.Status } : http.ClassifyStatus(exchange, "the service");
    }

    /// <summary>A template failing at send time must not lose the alert: log it and send a plain text instead.</summary>
    private string Render(ICompiledTemplate template, TemplateInput input, string fallback)
    {
        try
        {
            return template.Render(input);
        }
        catch (TemplateException e)
        {
            LogTemplateFailed(logger, name, template.Name, e.Message);
            return fallback;
        }
    }

    // Event ids 20000-20099: third-party plugins pick a block of 100 from 20000 up (docs/plugins.md).
    [LoggerMessage(20001, LogLevel.Error, "Channel {Channel}: template {Template} failed, sending plain text instead: {Error}")]
    private static partial void LogTemplateFailed(ILogger logger, string channel, string template, string error);
}
