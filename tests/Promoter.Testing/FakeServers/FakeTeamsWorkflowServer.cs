using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Promoter.Testing.FakeServers;

/// <summary>
/// A local Teams Workflows webhook (<c>/workflows/{id}/triggers/manual/paths/invoke?api-version=…&amp;sp=…&amp;sv=1.0&amp;sig=…</c>)
/// that checks what the workflow and Teams check: the workflow id (404) and signature (401), a Content-Length and a
/// JSON content type (415), the body as a message with Adaptive Card attachments, the card schema basics (type,
/// version 1.0-1.5, known element and action types, TextBlock text, FactSet facts, Image url as http(s) or a
/// base64 <c>data:image/…</c> URI, Action.OpenUrl title and absolute url, Container styles), and Teams' 28 KB
/// message limit, counted in bytes, with a body sent without a charset counted as UTF-16 (twice its characters),
/// as the service does. A real workflow answers 202 first and fails the post afterwards, where no sender can see
/// it; this stand-in answers 413 at once so that tests see a card that would have been lost. Errors come as
/// <c>{"error":{"code":…,"message":…}}</c>; a successful trigger answers 202 Accepted with an empty body.
/// </summary>
public sealed class FakeTeamsWorkflowServer : LoopbackHttpServer
{
    public const int MessageLimit = 28 * 1024;

    private static readonly HashSet<string> ElementTypes = ["TextBlock", "FactSet", "Image", "Container", "ColumnSet", "Column", "ActionSet", "RichTextBlock", "ImageSet"];
    private static readonly HashSet<string> ActionTypes = ["Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility", "Action.Execute"];
    private static readonly HashSet<string> Styles = ["default", "emphasis", "good", "attention", "warning", "accent"];
    private static readonly HashSet<string> Versions = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"];

    private readonly object _gate = new();
    private readonly List<TeamsCall> _calls = [];
    private readonly List<TeamsPostedCard> _cards = [];
    private readonly Queue<(int Status, string Body, string? RetryAfter)> _scripted = new();

    private FakeTeamsWorkflowServer(string workflowId, string signature)
    {
        WorkflowId = workflowId;
        Signature = signature;
    }

    public static async Task<FakeTeamsWorkflowServer> StartAsync(string workflowId = "3f2a9c4e8b7d4c1a9e6f0a1b2c3d4e5f", string signature = "fakeTeamsSig0123456789abcdefghijklmnopqrstu")
    {
        var server = new FakeTeamsWorkflowServer(workflowId, signature);
        await server.StartServerAsync();
        return server;
    }

    public string WorkflowId { get; }
    public string Signature { get; }

    public Uri WebhookUrl => new(BaseUrl, $"workflows/{WorkflowId}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={Signature}");

    public IReadOnlyList<TeamsCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToList();
            }
        }
    }

    /// <summary>The cards posted, in order.</summary>
    public IReadOnlyList<TeamsPostedCard> Cards
    {
        get
        {
            lock (_gate)
            {
                return _cards.ToList();
            }
        }
    }

    /// <summary>The next request gets this answer instead of being processed.</summary>
    public void RespondNext(int status, string body, string? retryAfter = null)
    {
        lock (_gate)
        {
            _scripted.Enqueue((status, body, retryAfter));
        }
    }

    protected override async Task HandleAsync(HttpContext context)
    {
        var request = await ReceivedRequest.ReadAsync(context.Request);
        (int Status, string Body, string? RetryAfter) answer;
        lock (_gate)
        {
            answer = _scripted.Count > 0 ? _scripted.Dequeue() : Dispatch(context.Request, request);
            _calls.Add(new TeamsCall(request, answer.Status, answer.Body));
        }

        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        }

        if (answer.Body.Length > 0)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(answer.Body);
        }
    }

    private (int, string, string?) Dispatch(HttpRequest http, ReceivedRequest request)
    {
        var path = http.Path.Value ?? "";
        if (path != $"/workflows/{WorkflowId}/triggers/manual/paths/invoke")
        {
            return Error(404, "WorkflowNotFound", "The workflow could not be found.");
        }

        if (http.Query["sig"] != Signature)
        {
            return Error(401, "DirectApiInvalidAuthorizationSignature", "The provided authorization signature is not valid.");
        }

        if (http.Method != "POST")
        {
            return Error(405, "MethodNotAllowed", "The trigger accepts POST only.");
        }

        if (request.Header("content-length") is null)
        {
            return Error(411, "LengthRequired", "A Content-Length header is required.");
        }

        var type = http.ContentType ?? "";
        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Error(415, "UnsupportedMediaType", $"The media type '{type}' is not supported; send application/json.");
        }

        // Without a charset the service takes the body for UTF-16: each character counts two bytes.
        var counted = type.Contains("charset=utf-8", StringComparison.OrdinalIgnoreCase) ? request.Body.Length : 2 * request.BodyText.Length;
        if (counted > MessageLimit)
        {
            return Error(413, "MessageSizeTooLarge", $"The message is {counted} bytes, over Teams' limit of {MessageLimit} bytes.");
        }

        JsonObject message;
        try
        {
            message = JsonNode.Parse(request.BodyText) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException e)
        {
            return Error(400, "InvalidRequestContent", "The request content is not valid JSON: " + e.Message);
        }

        if (CheckMessage(message) is { } problem)
        {
            return Error(400, "InvalidRequestContent", problem);
        }

        foreach (var attachment in (JsonArray)message["attachments"]!)
        {
            _cards.Add(new TeamsPostedCard(attachment!["content"]!.ToJsonString(), request.Body.Length));
        }

        return (202, "", null);
    }

    private static string? CheckMessage(JsonObject message)
    {
        if (Str(message["type"]) != "message")
        {
            return "type must be \"message\"";
        }

        if (message["attachments"] is not JsonArray { Count: > 0 } attachments)
        {
            return "attachments must be a non-empty array";
        }

        foreach (var attachment in attachments)
        {
            if (Str(attachment?["contentType"]) != "application/vnd.microsoft.card.adaptive")
            {
                return "attachments[].contentType must be application/vnd.microsoft.card.adaptive";
            }

            if (attachment!["content"] is not JsonObject card || Str(card["type"]) != "AdaptiveCard")
            {
                return "attachments[].content must be an AdaptiveCard";
            }

            if (Str(card["version"]) is not { } version || !Versions.Contains(version))
            {
                return "AdaptiveCard.version must be 1.0 to 1.5";
            }

            if ((CheckElements(card["body"], "body") ?? CheckActions(card["actions"], "actions")) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? CheckElements(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray elements)
        {
            return $"{path} must be an array";
        }

        for (var i = 0; i < elements.Count; i++)
        {
            var at = $"{path}[{i}]";
            if (elements[i] is not JsonObject e || Str(e["type"]) is not { } type || !ElementTypes.Contains(type))
            {
                return $"{at}: unknown element type";
            }

            var problem = type switch
            {
                "TextBlock" => Str(e["text"]) is null ? $"{at}.text is required" : null,
                "FactSet" => e["facts"] is JsonArray facts && facts.All(f => Str(f?["title"]) is not null && Str(f?["value"]) is not null)
                    ? null : $"{at}.facts must be a list of {{title, value}} strings",
                "Image" => CheckImageUrl(Str(e["url"]), at),
                "Container" => Str(e["style"]) is { } style && !Styles.Contains(style) ? $"{at}.style '{style}' is not a container style" : CheckElements(e["items"], at + ".items"),
                "ActionSet" => CheckActions(e["actions"], at + ".actions"),
                _ => null,
            };
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? CheckImageUrl(string? url, string at)
    {
        if (url is null)
        {
            return $"{at}.url is required";
        }

        if (url.StartsWith("data:", StringComparison.Ordinal))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma < 0 ? "" : url[5..comma];
            if (!header.StartsWith("image/", StringComparison.Ordinal) || !header.EndsWith(";base64", StringComparison.Ordinal))
            {
                return $"{at}.url: a data URI must be data:image/…;base64,…";
            }

            var data = new byte[url.Length];
            return Convert.TryFromBase64String(url[(comma + 1)..], data, out _) ? null : $"{at}.url: the data URI is not valid base64";
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https") ? null : $"{at}.url must be an absolute http(s) URL";
    }

    private static string? CheckActions(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray actions)
        {
            return $"{path} must be an array";
        }

        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is not JsonObject a || Str(a["type"]) is not { } type || !ActionTypes.Contains(type))
            {
                return $"{path}[{i}]: unknown action type";
            }

            if (type == "Action.OpenUrl" && (Str(a["title"]) is null || !Uri.TryCreate(Str(a["url"]), UriKind.Absolute, out _)))
            {
                return $"{path}[{i}]: Action.OpenUrl needs a title and an absolute url";
            }
        }

        return null;
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static (int, string, string?) Error(int status, string code, string message) =>
        (status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString(), null);
}

/// <summary>One request to the fake workflow, with the answer given.</summary>
public sealed record TeamsCall(ReceivedRequest Request, int Status, string ResponseBody);

/// <summary>A card the fake workflow accepted, and the size of the request that carried it.</summary>
public sealed record TeamsPostedCard(string CardJson, int RequestBytes)
{
    public JsonObject Card => (JsonObject)JsonNode.Parse(CardJson)!;
}
