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
        services.AddSingleton(LanguageTemplates());

        // Webhook URLs carry their token in the path (/api/webhooks/<id>/<token>): keep IHttpClientFactory from logging URLs.
        services.AddHttpClient(DiscordChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>discord.promoter.title / discord.promoter.text (the templates of earlier versions), shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates() => Read("default.tmpl");

    /// <summary>discord.promoter.{en,zh}.{title,text} (chosen by <c>lang:</c>), shipped as Templates/lang.tmpl.</summary>
    internal static TemplateSource LanguageTemplates() => Read("lang.tmpl");

    private static TemplateSource Read(string file)
    {
        using var stream = typeof(DiscordPlugin).Assembly.GetManifestResourceStream("Promoter.Channel.Discord.Templates." + file)
                           ?? throw new InvalidOperationException($"the Discord template {file} is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Discord/" + file, reader.ReadToEnd());
    }
}
