using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Telegram;

/// <summary>The Telegram bot channel (<c>type: telegram</c>) and its default templates.</summary>
public sealed class TelegramPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, TelegramChannelFactory>();
        services.AddSingleton(DefaultTemplates());
        services.AddSingleton(LanguageTemplates());

        // Bot API URLs carry the bot token in their path (/bot<token>/sendPhoto): keep IHttpClientFactory from logging URLs.
        services.AddHttpClient(TelegramChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>telegram.promoter.title / telegram.promoter.text (the templates of earlier versions), shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates() => Read("default.tmpl");

    /// <summary>telegram.promoter.{en,zh}.{title,text} (chosen by <c>lang:</c>), shipped as Templates/lang.tmpl.</summary>
    internal static TemplateSource LanguageTemplates() => Read("lang.tmpl");

    private static TemplateSource Read(string file)
    {
        using var stream = typeof(TelegramPlugin).Assembly.GetManifestResourceStream("Promoter.Channel.Telegram.Templates." + file)
                           ?? throw new InvalidOperationException($"the Telegram template {file} is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Telegram/" + file, reader.ReadToEnd());
    }
}
