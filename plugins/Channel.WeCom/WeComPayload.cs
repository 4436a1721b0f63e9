using System.Text.Json.Serialization;

namespace Promoter.Channel.WeCom;

/// <summary>
/// One robot message (<c>{"msgtype":…, "&lt;msgtype&gt;":{…}}</c>): exactly one of the bodies is set.
/// </summary>
internal sealed record WeComMessage
{
    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }

    [JsonPropertyName("markdown")]
    public WeComContent? Markdown { get; init; }

    /// <summary>The newer markdown (lists, tables, images by URL) without font colours or mentions.</summary>
    [JsonPropertyName("markdown_v2")]
    public WeComContent? MarkdownV2 { get; init; }

    [JsonPropertyName("text")]
    public WeComText? Text { get; init; }

    [JsonPropertyName("image")]
    public WeComImage? Image { get; init; }

    public static WeComMessage ForMarkdown(string type, string content) => type == "markdown_v2"
        ? new WeComMessage { MsgType = type, MarkdownV2 = new WeComContent(content) }
        : new WeComMessage { MsgType = "markdown", Markdown = new WeComContent(content) };
}

internal sealed record WeComContent([property: JsonPropertyName("content")] string Content);

/// <summary>A text message: the only kind whose <c>mentioned_mobile_list</c> and <c>@all</c> ping people.</summary>
internal sealed record WeComText(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("mentioned_list")] IReadOnlyList<string> MentionedList,
    [property: JsonPropertyName("mentioned_mobile_list")] IReadOnlyList<string> MentionedMobileList);

/// <summary>An image message: the raw PNG/JPG (≤ 2 MB) in base64 and the hex MD5 of the raw bytes.</summary>
internal sealed record WeComImage(
    [property: JsonPropertyName("base64")] string Base64,
    [property: JsonPropertyName("md5")] string Md5);

/// <summary>WeCom's answer, HTTP 200 for errors too.</summary>
internal sealed record WeComResponse(
    [property: JsonPropertyName("errcode")] int? ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WeComMessage))]
[JsonSerializable(typeof(WeComResponse))]
internal sealed partial class WeComJsonContext : JsonSerializerContext;
