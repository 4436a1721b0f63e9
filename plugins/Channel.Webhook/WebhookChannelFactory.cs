using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Webhook;

internal sealed class WebhookChannelFactory : ChannelFactory<WebhookChannelFactory.Prepared>
{
    internal const string HttpClientName = "promoter.channel.webhook";

    public override string Type => "webhook";

    protected override Prepared? Prepare(ChannelSetup setup) =>
        WebhookOptions.Read(setup.Settings, out var extraSecrets) is { } options ? new Prepared(options, extraSecrets) : null;

    protected override IChannel Build(Prepared prepared, ChannelSetup setup)
    {
        var (options, extraSecrets) = prepared;
        var logger = (setup.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Webhook");

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

    internal sealed record Prepared(WebhookOptions Options, IReadOnlyList<string> ExtraSecrets);
}
