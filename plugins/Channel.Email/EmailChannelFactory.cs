using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Email;

/// <summary>Creates <c>type: email</c> channels.</summary>
internal sealed class EmailChannelFactory : ChannelFactory<EmailChannelFactory.Prepared>
{
    public override string Type => "email";

    /// <summary>The composer compiles the subject and body templates, so it is made while checking: a template error is
    /// a configuration error.</summary>
    protected override Prepared? Prepare(ChannelSetup setup)
    {
        var options = EmailOptions.Read(setup.Settings);
        if (options is null)
        {
            return null;
        }

        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Email");
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var composer = new EmailMessageComposer(setup.Name, setup.Settings.Path, options, setup.Templates, time, logger, setup.Settings);
        return new Prepared(options, composer, logger);
    }

    protected override IChannel Build(Prepared prepared, ChannelSetup setup)
    {
        var redactor = new SecretRedactor(setup.Settings.Secrets);
        return new EmailChannel(setup.Name, prepared.Options, prepared.Composer, redactor, prepared.Logger);
    }

    internal sealed record Prepared(EmailOptions Options, EmailMessageComposer Composer, ILogger Logger);
}
