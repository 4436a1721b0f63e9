using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.DingTalk;

/// <summary>The DingTalk custom robot channel (<c>type: dingtalk</c>) and its default templates.</summary>
public sealed class DingTalkPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, DingTalkChannelFactory>();
        services.AddSingleton(DefaultTemplates());

        // The robot URL carries its access_token: keep IHttpClientFactory from logging request URLs.
        services.AddHttpClient(DingTalkChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>dingtalk.default.title / dingtalk.default.content, shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates()
    {
        var assembly = typeof(DingTalkPlugin).Assembly;
        using var stream = assembly.GetManifestResourceStream("Promoter.Channel.DingTalk.Templates.default.tmpl")
                           ?? throw new InvalidOperationException("the default DingTalk template is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.DingTalk/default.tmpl", reader.ReadToEnd());
    }
}
