using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Example.Channel;

/// <summary>The plugin's entry point, the only public type: registers the factory and the default templates.</summary>
public sealed class EntryPoint : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, JsonChannelFactory>();
        services.AddSingleton(DefaultTemplates());
        // Request URLs may carry tokens: keep the HTTP client's own logging off.
        services.AddHttpClient(JsonChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
    }

    internal static TemplateSource DefaultTemplates()
    {
        using var stream = typeof(EntryPoint).Assembly.GetManifestResourceStream("Promoter.Example.Channel.Templates.exampletype.tmpl")
                           ?? throw new InvalidOperationException("Templates/exampletype.tmpl is not embedded in the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Promoter.Example.Channel/exampletype.tmpl", reader.ReadToEnd());
    }
}
