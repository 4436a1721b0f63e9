using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk;

namespace Promoter.Sample.Ntfy;

/// <summary>
/// Creates <c>type: ntfy</c> channels. Checking (<see cref="Prepare"/>: every setting and both templates) is separate
/// from building: the host calls Validate at check-config, startup and reload, and Create only for a section that
/// passed, so there is never a placeholder channel for a broken section.
/// </summary>
internal sealed class NtfyChannelFactory : ChannelFactory<NtfyChannelFactory.Prepared>
{
    internal const string HttpClientName = "example.channel.ntfy";

    private static readonly Lazy<HttpClient> FallbackClient = new(() => new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan });

    public override string Type => "ntfy";

    protected override Prepared? Prepare(ChannelSetup setup)
    {
        var options = NtfyOptions.Read(setup.Settings);
        if (options is null)
        {
            return null;
        }

        // Compiled while checking: a template that does not parse is a configuration error with its line and column.
        var title = Compile(setup, "title", options.TitleTemplate, options.TemplateProfile);
        var text = Compile(setup, "text", options.TextTemplate, options.TemplateProfile);
        return title is null || text is null ? null : new Prepared(options, title, text);
    }

    protected override IChannel Build(Prepared prepared, ChannelSetup setup)
    {
        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Example.Channel.Ntfy");
        var http = services.GetService<IHttpClientFactory>()?.CreateClient(HttpClientName) ?? FallbackClient.Value;
        return new NtfyChannel(setup.Name, prepared.Options, prepared.Title, prepared.Text, http, logger);
    }

    private static ICompiledTemplate? Compile(ChannelSetup setup, string key, string text, string profile)
    {
        try
        {
            return setup.Templates.Compile(setup.Settings.PathOf("template." + key), text, profile);
        }
        catch (TemplateException e)
        {
            setup.Settings.AddError("template", e.Message, "fix the template text");
            return null;
        }
    }

    internal sealed record Prepared(NtfyOptions Options, ICompiledTemplate Title, ICompiledTemplate Text);
}
