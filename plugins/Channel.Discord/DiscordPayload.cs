using System.Text.Json.Nodes;

namespace Promoter.Channel.Discord;

/// <summary>A file sent in the same request as the message, as the multipart part <c>files[Index]</c>.</summary>
internal sealed record DiscordFile(int Index, string FileName, string Description, ReadOnlyMemory<byte> Content, string ContentType)
{
    /// <summary>How an embed refers to the file: <c>attachment://chart-0.png</c>.</summary>
    public string AttachmentUrl => "attachment://" + FileName;
}

/// <summary>An image for an embed: an uploaded file or a public URL.</summary>
internal sealed record DiscordImage(string Title, string Url);

/// <summary>The execute-webhook body (<c>payload_json</c> when files go with it) and its files.</summary>
internal sealed record DiscordMessage(JsonObject Payload, IReadOnlyList<DiscordFile> Files, int EmbedCharacters);
