using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Email;

/// <summary>The e-mail channel (<c>type: email</c>) and its default templates.</summary>
public sealed class EmailPlugin : IPromoterPlugin
{
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IChannelFactory, EmailChannelFactory>();
        services.AddSingleton(DefaultTemplates());
    }

    /// <summary>email.promoter.subject / .html / .text (and their .zh variants), shipped as Templates/default.tmpl.</summary>
    internal static TemplateSource DefaultTemplates()
    {
        using var stream = typeof(EmailPlugin).Assembly.GetManifestResourceStream("Promoter.Channel.Email.Templates.default.tmpl")
                           ?? throw new InvalidOperationException("the default e-mail template is missing from the plugin assembly");
        using var reader = new StreamReader(stream);
        return new TemplateSource("Channel.Email/default.tmpl", reader.ReadToEnd());
    }
}
