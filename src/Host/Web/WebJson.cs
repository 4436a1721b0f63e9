using System.Text.Json.Serialization;
using Promoter.State;

namespace Promoter.Host.Web;

internal sealed record PluginView(string Folder, string? Id, string? Version, string? Contract, string State, string? Error, IReadOnlyList<string> Provides);

internal sealed record ReloadResult(string Status, IReadOnlyList<string> Errors);

internal sealed record RenderRequestBody(string? Query, string? Renderer, string? Store, DateTimeOffset? From, DateTimeOffset? To,
    double? Threshold, string? Title, string? Format)
{
    /// <summary>The Grafana panel form: a dashboard uid and panel id (or a panel URL), with variables and a size.</summary>
    public string? Dashboard { get; init; }
    public int? PanelId { get; init; }
    public string? PanelUrl { get; init; }
    public Dictionary<string, string>? Vars { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
}

internal sealed record RenderStoredResponse(string Url, string Key, bool Public, DateTimeOffset? ExpiresAt);

internal sealed record PreviewRequestBody(string? Template, string? Profile, System.Text.Json.JsonElement? Data)
{
    /// <summary>A configured channel: the preview then also runs that channel's own code with the template.</summary>
    public string? Channel { get; init; }

    /// <summary>Which of the channel's templates the text replaces (text, title; html, subject for e-mail; body for webhook).</summary>
    public string? Field { get; init; }
}

internal sealed record PreviewResponse(string Output)
{
    /// <summary>What the channel would send, when a channel was named.</summary>
    public ChannelPreviewResult? Channel { get; init; }
}

[JsonSerializable(typeof(WebhookAccepted))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(List<PluginView>))]
[JsonSerializable(typeof(ReloadResult))]
[JsonSerializable(typeof(IReadOnlyList<AlertRecord>))]
[JsonSerializable(typeof(AlertHistory))]
[JsonSerializable(typeof(RenderRequestBody))]
[JsonSerializable(typeof(RenderStoredResponse))]
[JsonSerializable(typeof(PreviewRequestBody))]
[JsonSerializable(typeof(PreviewResponse))]
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class WebJson : JsonSerializerContext
{
    /// <summary>
    /// The context the API writes with: like <see cref="JsonSerializerContext"/>'s default but without escaping
    /// quotes and non-ASCII text (error messages quote names: 'ops', and labels may be Chinese). The responses
    /// are application/json, never embedded in HTML, so the relaxed encoder is safe here.
    /// </summary>
    public static WebJson Api { get; } = new(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    });
}
