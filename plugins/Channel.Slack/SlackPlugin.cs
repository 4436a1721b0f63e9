using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Slack;

/// <summary>The Slack channel (<c>type: slack</c>) and its default templates.</summary>
public sealed class SlackPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, SlackChannelFactory>();
        services.AddSingleton(DefaultTemplates());
        services.AddSingleton(LanguageTemplates());

        // Incoming webhook URLs carry their secret in the path: keep IHttpClientFactory from logging URLs.
        services.AddHttpClient(SlackChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>slack.promoter.title / slack.promoter.text (the templates of earlier versions), shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates() => Read("default.tmpl");

    /// <summary>slack.promoter.{en,zh}.{title,text} (chosen by <c>lang:</c>), shipped as Templates/lang.tmpl.</summary>
    internal static TemplateSource LanguageTemplates() => Read("lang.tmpl");

    private static TemplateSource Read(string file)
    {
        using var stream = typeof(SlackPlugin).Assembly.GetManifestResourceStream("Promoter.Channel.Slack.Templates." + file)
                           ?? throw new InvalidOperationException($"the Slack template {file} is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Slack/" + file, reader.ReadToEnd());
    }
}
