using System.CommandLine;
using System.Globalization;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Rendering;
using Promoter.Host.Configuration;
using Promoter.Host.Pipeline;
using Promoter.Host.Web;

namespace Promoter.Host.Cli;

/// <summary><c>promoter render</c> (an ad-hoc chart) and <c>promoter template render</c> (amtool's twin).</summary>
internal static class ToolCommands
{
    public static void Add(RootCommand root)
    {
        var render = new Command("render", "Draw a PromQL query as a chart, as the alert renderer would.");
        var url = new Option<string>("--prometheus.url") { Description = "Prometheus (or compatible) base URL.", DefaultValueFactory = _ => "http://localhost:9090" };
        var query = new Option<string>("--query") { Description = "The PromQL expression; a comparison draws its threshold.", Required = true };
        var from = new Option<string?>("--from") { Description = "Start: RFC 3339, Unix seconds, or a duration before now such as 1h (default: the renderer's window)." };
        var to = new Option<string?>("--to") { Description = "End: RFC 3339 or Unix seconds (default: now)." };
        var threshold = new Option<double?>("--threshold") { Description = "Draw this threshold instead of the inferred one." };
        var title = new Option<string?>("--title") { Description = "Chart title." };
        var output = new Option<string>("--out") { Description = "Output file; .svg writes SVG, anything else PNG.", DefaultValueFactory = _ => "chart.png" };
        var plugins = new Option<string?>("--plugins-dir") { Description = "Plugins folder (default ./plugins beside the executable)." };
        foreach (var o in new Option[] { url, query, from, to, threshold, title, output, plugins })
        {
            render.Options.Add(o);
        }

        render.SetAction(async (parse, ct) => await RenderAsync(parse.GetValue(url)!, parse.GetValue(query)!, parse.GetValue(from),
            parse.GetValue(to), parse.GetValue(threshold), parse.GetValue(title), parse.GetValue(output)!, parse.GetValue(plugins), ct));
        root.Subcommands.Add(render);

        root.Subcommands.Add(TemplateCommand.Create());
    }

    private static async Task<int> RenderAsync(string url, string query, string? from, string? to, double? threshold, string? title,
        string output, string? pluginsDir, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (!TryParseTime(from, now, out var fromTime) || !TryParseTime(to, now, out var toTime))
        {
            await Console.Error.WriteLineAsync("--from/--to: write an RFC 3339 time (2026-11-21T10:00:00Z), Unix seconds, or a duration before now such as 1h");
            return 1;
        }

        var settings = new HostSettings { PluginsDirectory = pluginsDir is null ? Path.Combine(AppContext.BaseDirectory, "plugins") : Path.GetFullPath(pluginsDir) };
        using var services = HostBootstrap.CreateCliServices();
        var catalog = HostBootstrap.LoadPlugins(services, settings);
        if (!catalog.Renderers.TryGetValue("prometheus", out var reg))
        {
            await Console.Error.WriteLineAsync($"the prometheus renderer plugin is not loaded from {settings.PluginsDirectory}; run `promoter plugins`");
            return 1;
        }

        var diagnostics = new ConfigDiagnostics();
        var location = new SourceLocation("--prometheus.url", 0, 0);
        var section = new PluginSettings(new SettingsMapping([new("url", new SettingsScalar(url, location))], location), "render", diagnostics);
        var renderer = reg.Factory.Create(new RendererSetup { Name = "render", Settings = section, Services = reg.Services });
        if (diagnostics.HasErrors || renderer is not IQueryChartRenderer charts)
        {
            foreach (var e in diagnostics.Errors)
            {
                await Console.Error.WriteLineAsync(e.ToString());
            }

            return 1;
        }

        var format = output.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) ? ImageFormat.Svg : ImageFormat.Png;
        try
        {
            var image = await charts.RenderQueryAsync(new ChartQuery(query)
            {
                From = fromTime,
                To = toTime,
                Threshold = threshold,
                Title = title,
                Format = format,
            }, ct);
            await File.WriteAllBytesAsync(output, image.Content.ToArray(), ct);
            Console.WriteLine($"{output}: {image.Width}x{image.Height} {image.ContentType}, {image.Content.Length} bytes");
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"cannot render: {e.Message}");
            return 1;
        }
    }

    private static bool TryParseTime(string? text, DateTimeOffset now, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DurationSyntax.TryParse(text, out var ago))
        {
            value = now - ago;
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            return true;
        }

        if (AlertmanagerPayload.TryParseRfc3339(text, out var t))
        {
            value = t;
            return true;
        }

        return false;
    }
}
