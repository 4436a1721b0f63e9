using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Promoter.Channel.Feishu;

/// <summary>Feishu's answer to a bot message: <c>code</c> (newer) or <c>StatusCode</c> (legacy), HTTP 200 for errors too.</summary>
internal sealed record FeishuResponse(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("msg")] string? Msg,
    [property: JsonPropertyName("StatusCode")] int? StatusCode,
    [property: JsonPropertyName("StatusMessage")] string? StatusMessage);

/// <summary><c>POST /open-apis/auth/v3/tenant_access_token/internal</c>'s answer; <c>expire</c> in seconds (about 2 hours).</summary>
internal sealed record FeishuTokenResponse(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("msg")] string? Msg,
    [property: JsonPropertyName("tenant_access_token")] string? TenantAccessToken,
    [property: JsonPropertyName("expire")] int? Expire);

internal sealed record FeishuTokenRequest(
    [property: JsonPropertyName("app_id")] string AppId,
    [property: JsonPropertyName("app_secret")] string AppSecret);

/// <summary><c>POST /open-apis/im/v1/images</c>'s answer.</summary>
internal sealed record FeishuImageResponse(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("msg")] string? Msg,
    [property: JsonPropertyName("data")] FeishuImageData? Data);

internal sealed record FeishuImageData([property: JsonPropertyName("image_key")] string? ImageKey);

[JsonSerializable(typeof(FeishuResponse))]
[JsonSerializable(typeof(FeishuTokenResponse))]
[JsonSerializable(typeof(FeishuTokenRequest))]
[JsonSerializable(typeof(FeishuImageResponse))]
internal sealed partial class FeishuJsonContext : JsonSerializerContext;

internal static class FeishuJson
{
    // Chinese text stays UTF-8 instead of \uXXXX escapes: the 20 KB body limit counts bytes on the wire.
    public static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Bytes(JsonObject o) => System.Text.Encoding.UTF8.GetBytes(o.ToJsonString(Wire));

    public static JsonObject PlainText(string content) => new() { ["tag"] = "plain_text", ["content"] = content };
}
