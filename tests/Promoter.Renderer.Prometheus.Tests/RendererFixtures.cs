using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Rendering;

namespace Promoter.Renderer.Prometheus.Tests;

/// <summary>Builds renderers through the real factory from YAML-like settings, and alerts from webhook JSON.</summary>
public static class RendererFixtures
{
    public static SettingsMapping Mapping(params (string Key, object Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, SettingsNode>(e.Key, e.Value switch
        {
            SettingsNode n => n,
            string s => new SettingsScalar(s, new SourceLocation("config.yaml", 1, 1)),
            _ => throw new ArgumentException("value must be a string or a node"),
        })).ToList(), new SourceLocation("config.yaml", 1, 1));

    public static (IAlertRenderer Renderer, ConfigDiagnostics Diagnostics, PluginSettings Settings) Create(
        SettingsMapping mapping, IServiceProvider? services = null)
    {
        var diagnostics = new ConfigDiagnostics();
        var settings = new PluginSettings(mapping, "renderers.prom", diagnostics);
        settings.Ignore("type"); // read by the host, which picks the factory by it
        var factory = new PrometheusRendererFactory();
        var setup = new RendererSetup
        {
            Name = "prom",
            Settings = settings,
            Services = services ?? new ServiceCollection().BuildServiceProvider(),
        };
        // As the host does: Validate, and Create only a section without problems (null otherwise: tests read the errors).
        factory.Validate(setup);
        settings.ReportUnknownKeys();
        return (diagnostics.HasErrors ? null! : factory.Create(setup), diagnostics, settings);
    }

    /// <summary>Reads an Alertmanager webhook body (version 4) into the model, as the host does.</summary>
    public static AlertGroup ParseWebhook(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        static Dictionary<string, string> Map(JsonElement e, string name) =>
            e.TryGetProperty(name, out var m) ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : [];
        return new AlertGroup
        {
            Receiver = root.GetProperty("receiver").GetString()!,
            Status = root.GetProperty("status").GetString()!,
            GroupLabels = Map(root, "groupLabels"),
            CommonLabels = Map(root, "commonLabels"),
            CommonAnnotations = Map(root, "commonAnnotations"),
            ExternalUrl = root.GetProperty("externalURL").GetString()!,
            Alerts = root.GetProperty("alerts").EnumerateArray().Select(a => new Alert
            {
                Status = a.GetProperty("status").GetString()!,
                Labels = Map(a, "labels"),
                Annotations = Map(a, "annotations"),
                StartsAt = a.GetProperty("startsAt").GetDateTimeOffset(),
                EndsAt = a.GetProperty("endsAt").GetDateTimeOffset(),
                GeneratorUrl = a.GetProperty("generatorURL").GetString()!,
                Fingerprint = a.GetProperty("fingerprint").GetString()!,
            }).ToList(),
        };
    }
}
