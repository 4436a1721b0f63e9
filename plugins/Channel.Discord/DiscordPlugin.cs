using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Discord;

/// <summary>The Discord webhook channel (<c>type: discord</c>) and its default templates.</summary>
public sealed class DiscordPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, DiscordChannelFactory>();
        services.AddSingleton(DefaultTemplates());

        // Webhook URLs carry their token in the path (/api/webhooks/<id>/<token>): keep IHttpClientFactory from logging URLs.
        services.AddHttpClient(DiscordChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>discord.promoter.title / discord.promoter.text, shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates()
    {
        using var stream = typeof(DiscordPlugin).Assembly.GetManifestResourceStream("Promoter.Channel.Discord.Templates.default.tmpl")
                           ?? throw new InvalidOperationException("the default Discord template is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Discord/default.tmpl", reader.ReadToEnd());
    }
}
