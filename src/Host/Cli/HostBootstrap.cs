using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Host.Channels;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Plugins;

namespace Promoter.Host.Cli;

/// <summary>What every verb needs: the services lent to plugins, the plugins, and the built-in factories.</summary>
internal static class HostBootstrap
{
    /// <summary>Registers the services shared by the web host and the command-line verbs.</summary>
    public static IServiceCollection AddPromoterCore(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.AddMetrics();
        services.AddSingleton<PromoterMetrics>();
        services.AddSingleton<ProcessMetrics>();
        services.AddSingleton<PrometheusTextExporter>();
        services.AddSingleton<PluginLoader>();
        return services;
    }

    /// <summary>
    /// Loads the plugins folder and adds the host's built-in factories (the log channel). With
    /// <paramref name="deferUnused"/>, plugins that declare what they provide load only when a configuration uses
    /// them (see <see cref="PluginLoader.Load"/>); without it, all are loaded and checked.
    /// </summary>
    public static PluginCatalog LoadPlugins(IServiceProvider services, HostSettings settings, bool deferUnused = false)
    {
        var catalog = new PluginCatalog();
        catalog.Channels["log"] = new Registered<Abstractions.Channels.IChannelFactory>(
            new LogChannelFactory(settings.DataDirectory), "builtin", services);
        catalog.Record(new PluginStatus("(built-in)", "builtin", ThisVersion, Abstractions.PromoterContract.Version.ToString(),
            PluginState.Loaded, null, ["channel:log"]));
        services.GetRequiredService<PluginLoader>().Load(settings.PluginsDirectory, catalog, deferUnused);
        services.GetRequiredService<PromoterMetrics>().ObservePlugins(catalog);
        return catalog;
    }

    /// <summary>The plugin types a configuration uses, as manifests name them ("channel:slack", "store:s3").</summary>
    public static IReadOnlySet<string> PluginClaims(HostSettings settings) =>
        settings.Renderers.Concat(settings.Stores).Concat(settings.Channels)
            .Select(s => $"{s.Kind.TrimEnd('s')}:{s.Type}").ToHashSet(StringComparer.Ordinal);

    public static string ThisVersion =>
        (typeof(HostBootstrap).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>A quiet service provider for one-shot verbs (check-config, plugins, render).</summary>
    public static ServiceProvider CreateCliServices(LogLevel level = LogLevel.Warning)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = null; })
            .SetMinimumLevel(level)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        services.AddPromoterCore();
        _ = typeof(IMeterFactory);
        return services.BuildServiceProvider();
    }
}
