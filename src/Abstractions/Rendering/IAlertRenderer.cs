using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;

namespace Promoter.Abstractions.Rendering;

/// <summary>Creates renderers of one <c>type:</c> ("prometheus", "grafana", …).</summary>
public interface IAlertRendererFactory
{
    string Type { get; }

    /// <summary>
    /// Checks a section without building anything: reads every key it supports through <c>setup.Settings</c> and
    /// reports each problem there (path, message, fix; all of them, not just the first). Returns the problems found.
    /// The host calls it at check-config, startup and every reload, and calls <c>Create</c> only for sections with
    /// none, so that a factory never has to build a placeholder for a broken section.
    /// </summary>
    IReadOnlyList<ConfigError> Validate(RendererSetup setup);

    /// <summary>
    /// Builds the instance for a section that <see cref="Validate"/> accepted. Called with a fresh <c>setup</c>
    /// (read the settings again); throws <see cref="InvalidOperationException"/> if the section is invalid after all.
    /// </summary>
    IAlertRenderer Create(RendererSetup setup);
}

public sealed class RendererSetup
{
    public required string Name { get; init; }
    public required PluginSettings Settings { get; init; }
    public required IServiceProvider Services { get; init; }
}

/// <summary>Draws the charts of one alert. A renderer fetches its own data.</summary>
public interface IAlertRenderer
{
    /// <summary>
    /// Returns zero or more images for the alert. An alert the renderer has nothing to draw for (no
    /// expression) yields an empty list; a failure to draw throws, and the host sends the message without it.
    /// </summary>
    Task<IReadOnlyList<AlertImage>> RenderAsync(RenderRequest request, CancellationToken cancellationToken);
}

/// <summary>Optional: a renderer that draws an ad-hoc query (for <c>POST /api/v1/render</c> and the CLI).</summary>
public interface IQueryChartRenderer
{
    Task<AlertImage> RenderQueryAsync(ChartQuery query, CancellationToken cancellationToken);
}

public enum ImageFormat
{
    Png,
    Svg,
}

public sealed record RenderRequest(AlertGroup Group, Alert Alert)
{
    public ImageFormat Format { get; init; } = ImageFormat.Png;
}

/// <summary>An ad-hoc chart request.</summary>
public sealed record ChartQuery(string Query)
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public double? Threshold { get; init; }
    public string? Title { get; init; }
    public ImageFormat Format { get; init; } = ImageFormat.Png;
}

/// <summary>A drawn chart.</summary>
public sealed record AlertImage(string Title, ReadOnlyMemory<byte> Content, string ContentType, int Width, int Height);
