using System.Text.Json.Serialization;

namespace Promoter.Channel.DingTalk;

/// <summary>A markdown robot message: <c>{"msgtype":"markdown","markdown":{title,text},"at":{…}}</c>.</summary>
internal sealed record DingTalkMarkdownMessage(
    [property: JsonPropertyName("markdown")] DingTalkMarkdown Markdown,
    [property: JsonPropertyName("at")] DingTalkAt At)
{
    [JsonPropertyName("msgtype")]
    public string MsgType => "markdown";
}

/// <param name="Title">Shown only in the notification and the chat list.</param>
/// <param name="Text">The markdown body.</param>
internal sealed record DingTalkMarkdown(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("text")] string Text);

/// <summary>Who to mention; for a mention to ping, the text must also contain "@mobile" / "@userid".</summary>
internal sealed record DingTalkAt(
    [property: JsonPropertyName("atMobiles")] IReadOnlyList<string> AtMobiles,
    [property: JsonPropertyName("atUserIds")] IReadOnlyList<string> AtUserIds,
    [property: JsonPropertyName("isAtAll")] bool IsAtAll);

/// <summary>DingTalk's answer, HTTP 200 for errors too.</summary>
internal sealed record DingTalkResponse(
    [property: JsonPropertyName("errcode")] int? ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DingTalkMarkdownMessage))]
[JsonSerializable(typeof(DingTalkResponse))]
internal sealed partial class DingTalkJsonContext : JsonSerializerContext;
