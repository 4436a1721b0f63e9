using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Channels;

namespace Promoter.Channel.Email;

/// <summary>Creates <c>type: email</c> channels.</summary>
internal sealed class EmailChannelFactory : IChannelFactory
{
    public string Type => "email";

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = EmailOptions.Read(setup.Settings);
        if (options is null)
        {
            return new UnconfiguredChannel(setup.Name);
        }

        var services = setup.Services;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Channel.Email");
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var redactor = new SecretRedactor(setup.Settings.Secrets);
        var composer = new EmailMessageComposer(setup.Name, setup.Settings.Path, options, setup.Templates, time, logger, setup.Settings);
        return new EmailChannel(setup.Name, options, composer, redactor, logger);
    }

    private sealed class UnconfiguredChannel(string name) : IChannel
    {
        public string Name => name;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Permanent($"channel {name} is not configured correctly; see the configuration errors"));
    }
}
