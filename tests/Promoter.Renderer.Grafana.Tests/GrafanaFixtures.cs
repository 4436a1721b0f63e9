using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;
using Promoter.Testing.Channels;

namespace Promoter.Renderer.Grafana.Tests;

/// <summary>Builds Grafana renderers through the real factory from YAML-like settings.</summary>
public static class GrafanaFixtures
{
    public static SettingsMapping Mapping(params (string Key, object Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, SettingsNode>(e.Key, e.Value switch
        {
            SettingsNode n => n,
            string s => new SettingsScalar(s, new SourceLocation("config.yaml", 1, 1)),
            string[] list => new SettingsSequence(list.Select(x => (SettingsNode)new SettingsScalar(x, new SourceLocation("config.yaml", 1, 1))).ToList(), new SourceLocation("config.yaml", 1, 1)),
            _ => throw new ArgumentException("value must be a string, a list of strings or a node"),
        })).ToList(), new SourceLocation("config.yaml", 1, 1));

    public static (IAlertRenderer Renderer, ConfigDiagnostics Diagnostics) Create(SettingsMapping mapping, CapturingLoggerProvider? logs = null,
        TimeProvider? time = null, Func<string, string>? readSecretFile = null)
    {
        var diagnostics = new ConfigDiagnostics();
        var settings = new PluginSettings(mapping, "renderers.grafana", diagnostics, readSecretFile);
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        }

        if (time is not null)
        {
            services.AddSingleton(time);
        }

        settings.Ignore("type"); // read by the host, which picks the factory by it
        var factory = new GrafanaRendererFactory();
        var setup = new RendererSetup { Name = "grafana", Settings = settings, Services = services.BuildServiceProvider() };
        // As the host does: Validate, and Create only a section without problems (null otherwise: tests read the errors).
        factory.Validate(setup);
        settings.ReportUnknownKeys();
        return (diagnostics.HasErrors ? null! : factory.Create(setup), diagnostics);
    }

    public static Alert Alert(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> annotations, DateTimeOffset? startsAt = null) => new()
    {
        Status = "firing",
        Labels = labels,
        Annotations = annotations,
        StartsAt = startsAt ?? DateTimeOffset.UtcNow.AddMinutes(-2),
        Fingerprint = "f00d",
    };

    public static RenderRequest Request(Alert alert, ImageFormat format = ImageFormat.Png) =>
        new(new AlertGroup { Receiver = "ops", Status = alert.Status, Alerts = [alert] }, alert) { Format = format };
}
