using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Feishu;

/// <summary>The Feishu / Lark custom bot channel (<c>type: feishu</c>) and its default templates.</summary>
public sealed class FeishuPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, FeishuChannelFactory>();
        services.AddSingleton(DefaultTemplates());

        // The bot URL carries its token: keep IHttpClientFactory from logging request URLs.
        services.AddHttpClient(FeishuChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>feishu.default.{zh,en}.{title,content} and feishu.digest.{zh,en}.{title,content}, shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates()
    {
        var assembly = typeof(FeishuPlugin).Assembly;
        using var stream = assembly.GetManifestResourceStream("Promoter.Channel.Feishu.Templates.default.tmpl")
                           ?? throw new InvalidOperationException("the default Feishu template is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Feishu/default.tmpl", reader.ReadToEnd());
    }
}
