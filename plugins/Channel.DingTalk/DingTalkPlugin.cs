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
        services.AddSingleton(LanguageTemplates());

        // The robot URL carries its access_token: keep IHttpClientFactory from logging request URLs.
        services.AddHttpClient(DingTalkChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>dingtalk.default.title / dingtalk.default.content (the English templates of earlier versions, which
    /// Debian's amtool also renders), shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates() => Read("default.tmpl");

    /// <summary>dingtalk.default.{zh,en}.* and dingtalk.digest.{zh,en}.* (chosen by <c>lang:</c>), shipped as Templates/lang.tmpl.</summary>
    internal static TemplateSource LanguageTemplates() => Read("lang.tmpl");

    private static TemplateSource Read(string file)
    {
        var assembly = typeof(DingTalkPlugin).Assembly;
        using var stream = assembly.GetManifestResourceStream("Promoter.Channel.DingTalk.Templates." + file)
                           ?? throw new InvalidOperationException($"the DingTalk template {file} is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.DingTalk/" + file, reader.ReadToEnd());
    }
}
