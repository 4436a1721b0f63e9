using System.Net.Http.Headers;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Teams;

/// <summary>
/// Posts the card to the Workflows webhook. The flow answers 202 Accepted once it has taken the request (it
/// posts the card afterwards, and has no message id to give back); an error answers with a status and
/// <c>{"error":{"code":…,"message":…}}</c>, a throttled flow with 429 and Retry-After.
/// </summary>
internal sealed class TeamsChannel(string name, TeamsOptions options, TeamsCardBuilder builder, ChannelHttp http) : IChannel
{
    private const string Service = "Teams workflow";

    public string Name { get; } = name;

    /// <summary>Charts without a public URL can go inline (data: URI) when they fit the 28 KB limit: the channel needs their bytes.</summary>
    public bool UploadsImages => true;

    public async ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var card = builder.Build(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.WebhookUrl) { Content = new ByteArrayContent(card.Body) };

        // The charset matters: without it the service reads the body as UTF-16 and counts twice the bytes against the limit.
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var exchange = await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return failure;
        }

        if (exchange.IsSuccessStatus)
        {
            return DeliveryResult.Success();
        }

        var classified = http.ClassifyStatus(exchange, Service);
        return exchange.Status == 404
            ? DeliveryResult.Permanent(classified.Message + "; the workflow was deleted or turned off, or the URL is wrong: check it in Teams (Workflows → the flow → its trigger)")
                with { StatusCode = 404 }
            : classified;
    }
}
