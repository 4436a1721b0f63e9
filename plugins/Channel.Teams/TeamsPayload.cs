using System.Text.Json.Nodes;

namespace Promoter.Channel.Teams;

/// <summary>
/// The body a Workflows webhook takes to post a card: a message with one Adaptive Card attachment
/// (<c>{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":…}]}</c>).
/// </summary>
internal static class TeamsPayload
{
    public const string CardContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>Adaptive Cards 1.4: what Teams renders everywhere (desktop, web, mobile); data: URIs in Image since 1.2.</summary>
    public const string CardVersion = "1.4";

    public static JsonObject Message(JsonObject card) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = CardContentType,
            ["contentUrl"] = null,
            ["content"] = card,
        }),
    };

    public static JsonObject TextBlock(string text, string? size = null, string? weight = null, string? color = null, bool subtle = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (size is not null)
        {
            block["size"] = size;
        }

        if (weight is not null)
        {
            block["weight"] = weight;
        }

        if (color is not null)
        {
            block["color"] = color;
        }

        if (subtle)
        {
            block["isSubtle"] = true;
        }

        return block;
    }

    public static JsonObject OpenUrl(string title, Uri url) => new() { ["type"] = "Action.OpenUrl", ["title"] = title, ["url"] = url.AbsoluteUri };
}
