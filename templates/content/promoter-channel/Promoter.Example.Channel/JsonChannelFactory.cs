using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk;

namespace Promoter.Example.Channel;

/// <summary>
/// <c>type: exampletype</c>. <see cref="Prepare"/> checks (settings and templates; the host calls it at check-config,
/// startup and reload), <see cref="Build"/> makes the channel for a section that passed.
/// </summary>
internal sealed class JsonChannelFactory : ChannelFactory<JsonChannelFactory.Prepared>
{
    internal const string HttpClientName = "promoter.example.channel";

    public override string Type => "exampletype";

    protected override Prepared? Prepare(ChannelSetup setup)
    {
        var options = JsonChannelOptions.Read(setup.Settings);
        var title = Compile(setup, "exampletype.title");
        var text = Compile(setup, "exampletype.text");
        return options is null || title is null || text is null ? null : new Prepared(options, title, text);
    }

    protected override IChannel Build(Prepared prepared, ChannelSetup setup)
    {
        var logger = (setup.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Example.Channel");
        var http = new ChannelHttp(setup.Services, HttpClientName, prepared.Options.Timeout, new SecretRedactor(setup.Settings.Secrets));
        return new JsonChannel(setup.Name, prepared.Options, prepared.Title, prepared.Text, http, logger);
    }

    private static ICompiledTemplate? Compile(ChannelSetup setup, string definition)
    {
        try
        {
            return setup.Templates.Compile(setup.Settings.PathOf(definition), $"{{{{ template \"{definition}\" . }}}}");
        }
        catch (TemplateException e)
        {
            setup.Settings.AddError("type", e.Message, "fix the template definition " + definition);
            return null;
        }
    }

    internal sealed record Prepared(JsonChannelOptions Options, ICompiledTemplate Title, ICompiledTemplate Text);
}
