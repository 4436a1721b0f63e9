using Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Abstractions.Templating;

namespace Promoter.Testing.Channels;

/// <summary>
/// Builds channels the way the host does: a service collection with logging (captured), a
/// <see cref="TimeProvider"/>, <c>AddHttpClient()</c>, the plugin's <see cref="IPromoterPlugin.Register"/>,
/// then the factory of the wanted <c>type:</c> over a settings section.
/// </summary>
public sealed class ChannelTestContext : IDisposable
{
    private readonly ServiceProvider _services;

    public ChannelTestContext(IPromoterPlugin plugin, TimeProvider? time = null, ITemplateRenderer? templates = null)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        Time = time ?? TimeProvider.System;
        Templates = templates ?? new FakeTemplateRenderer();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        services.AddSingleton(Time);
        services.AddHttpClient();
        services.AddMetrics();
        plugin.Register(services, new PluginContext("test", AppContext.BaseDirectory, PromoterContract.Version));
        _services = services.BuildServiceProvider();
    }

    public CapturingLoggerProvider Logs { get; } = new();
    public TimeProvider Time { get; }
    public ITemplateRenderer Templates { get; }
    public IServiceProvider Services => _services;

    /// <summary>The template sources the plugin registered.</summary>
    public IReadOnlyList<TemplateSource> TemplateSources => _services.GetServices<TemplateSource>().ToList();

    /// <summary>Checks the section the way the host does (the factory's Validate, then unknown keys) and creates the
    /// channel only when there is no error; returns the channel (null when refused) and the errors.</summary>
    public (IChannel? Channel, IReadOnlyList<ConfigError> Errors) TryCreate(string type, SettingsMapping section, string name = "test",
        Func<string, string>? readSecretFile = null)
    {
        var settings = SettingsBuilder.Settings(section, $"channels.{name}", readSecretFile);
        settings.Ignore("type");
        var factory = _services.GetServices<IChannelFactory>().Single(f => f.Type == type);
        var setup = new ChannelSetup { Name = name, Settings = settings, Templates = Templates, Services = _services };
        var returned = factory.Validate(setup);
        settings.ReportUnknownKeys();
        Assert.True(returned.All(settings.Diagnostics.Errors.Contains), "Validate returned errors it did not report to the settings");
        if (settings.Diagnostics.HasErrors)
        {
            return (null, settings.Diagnostics.Errors);
        }

        return (factory.Create(setup), settings.Diagnostics.Errors);
    }

    /// <summary>Creates a channel and fails when the configuration has any error.</summary>
    public IChannel Create(string type, SettingsMapping section, string name = "test")
    {
        var (channel, errors) = TryCreate(type, section, name);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("configuration errors:\n" + string.Join("\n", errors));
        }

        return channel!;
    }

    public void Dispose() => _services.Dispose();
}
