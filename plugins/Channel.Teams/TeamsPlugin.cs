using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Teams;

/// <summary>The Microsoft Teams channel (<c>type: teams</c>, Workflows webhook) and its default templates.</summary>
public sealed class TeamsPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, TeamsChannelFactory>();
        services.AddSingleton(DefaultTemplates());
        services.AddSingleton(LanguageTemplates());

        // Workflows URLs carry their signature in the query (sig=…): keep IHttpClientFactory from logging URLs.
        services.AddHttpClient(TeamsChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>teams.promoter.title / teams.promoter.text (the templates of earlier versions), shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates() => Read("default.tmpl");

    /// <summary>teams.promoter.{en,zh}.{title,text} (chosen by <c>lang:</c>), shipped as Templates/lang.tmpl.</summary>
    internal static TemplateSource LanguageTemplates() => Read("lang.tmpl");

    private static TemplateSource Read(string file)
    {
        using var stream = typeof(TeamsPlugin).Assembly.GetManifestResourceStream("Promoter.Channel.Teams.Templates." + file)
                           ?? throw new InvalidOperationException($"the Teams template {file} is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Teams/" + file, reader.ReadToEnd());
    }
}
