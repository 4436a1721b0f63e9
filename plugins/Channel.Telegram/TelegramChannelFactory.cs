using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Telegram;

/// <summary>Creates <c>type: telegram</c> channels.</summary>
internal sealed class TelegramChannelFactory : ChannelFactory<TelegramOptions>
{
    internal const string HttpClientName = "promoter.channel.telegram";

    public override string Type => "telegram";

    protected override TelegramOptions? Prepare(ChannelSetup setup) => TelegramOptions.Read(setup.Settings);

    protected override IChannel Build(TelegramOptions options, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Telegram");
        var http = new ChannelHttp(services, HttpClientName, options.Timeout, new SecretRedactor(setup.Settings.Secrets));
        var builder = new TelegramMessageBuilder(setup.Name, setup.Settings.Path, options, setup.Templates, logger, setup.PublicUrl);
        return new TelegramChannel(setup.Name, options, builder, new TelegramBotApi(options.ApiUrl, options.BotToken, http), logger);
    }
}
