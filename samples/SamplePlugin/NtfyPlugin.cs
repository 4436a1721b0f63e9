using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Sample.Ntfy;

/// <summary>
/// The plugin's entry point: the only public type the host looks for. It registers one channel factory
/// (<c>type: ntfy</c>) and the default templates; everything else stays internal.
/// </summary>
public sealed class NtfyPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, NtfyChannelFactory>();
        services.AddSingleton(DefaultTemplates());

        // The topic is a shared secret on public ntfy servers and travels in the body, not the URL, but the
        // client still should not log request URLs of a plugin by default.
        services.AddHttpClient(NtfyChannelFactory.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    /// <summary>ntfy.sample.title / ntfy.sample.text, embedded from Templates/ntfy.tmpl.</summary>
    internal static TemplateSource DefaultTemplates()
    {
        using var stream = typeof(NtfyPlugin).Assembly.GetManifestResourceStream("Promoter.Sample.Ntfy.Templates.ntfy.tmpl")
                           ?? throw new InvalidOperationException("Templates/ntfy.tmpl is not embedded in the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("SamplePlugin/ntfy.tmpl", reader.ReadToEnd());
    }
}
