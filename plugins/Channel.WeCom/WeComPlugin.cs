using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.WeCom;

/// <summary>The WeCom (企业微信) group robot channel (<c>type: wecom</c>) and its default templates.</summary>
public sealed class WeComPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, WeComChannelFactory>();
        services.AddSingleton(DefaultTemplates());

        // The robot URL carries its key: keep IHttpClientFactory from logging request URLs.
        services.AddHttpClient(WeComChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>wecom.default.{zh,en}.content and wecom.digest.{zh,en}.content, shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates()
    {
        var assembly = typeof(WeComPlugin).Assembly;
        using var stream = assembly.GetManifestResourceStream("Promoter.Channel.WeCom.Templates.default.tmpl")
                           ?? throw new InvalidOperationException("the default WeCom template is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.WeCom/default.tmpl", reader.ReadToEnd());
    }
}
