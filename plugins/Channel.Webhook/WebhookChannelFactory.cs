using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Webhook;

internal sealed class WebhookChannelFactory : IChannelFactory
{
    internal const string HttpClientName = "promoter.channel.webhook";

    public string Type => "webhook";

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = WebhookOptions.Read(setup.Settings, out var extraSecrets);
        var logger = (setup.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Webhook");
        if (options is null)
        {
            return new UnconfiguredChannel(setup.Name);
        }

        ICompiledTemplate? body = null;
        if (options.BodyTemplate is { } text)
        {
            try
            {
                body = setup.Templates.Compile(setup.Settings.PathOf("template.body"), text, options.TemplateProfile);
            }
            catch (TemplateException e)
            {
                WebhookLog.TemplateFailed(logger, setup.Name, setup.Settings.PathOf("template.body"), e.Message);
            }
        }

        var http = new ChannelHttp(setup.Services, HttpClientName, options.Timeout, new SecretRedactor(setup.Settings.Secrets.Concat(extraSecrets)));
        return new WebhookChannel(setup.Name, options, body, http, logger);
    }

    private sealed class UnconfiguredChannel(string name) : IChannel
    {
        public string Name => name;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Permanent($"channel {name} is not configured correctly; see the configuration errors"));
    }
}
