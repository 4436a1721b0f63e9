using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Telegram;

/// <summary>Creates <c>type: telegram</c> channels.</summary>
internal sealed class TelegramChannelFactory : IChannelFactory
{
    internal const string HttpClientName = "promoter.channel.telegram";

    public string Type => "telegram";

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = TelegramOptions.Read(setup.Settings);
        if (options is null)
        {
            return new UnconfiguredChannel(setup.Name);
        }

        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Telegram");
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(setup.Settings.Secrets));
        var builder = new TelegramMessageBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        return new TelegramChannel(setup.Name, options, builder, new TelegramBotApi(options.ApiUrl, options.BotToken, http), logger);
    }

    private sealed class UnconfiguredChannel(string name) : IChannel
    {
        public string Name => name;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Permanent($"channel {name} is not configured correctly; see the configuration errors"));
    }
}
