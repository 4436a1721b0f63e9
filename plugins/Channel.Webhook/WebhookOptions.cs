using Promoter.Abstractions.Channels;
using System.Text;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Webhook;

/// <summary>The options of a <c>type: webhook</c> channel.</summary>
internal sealed record WebhookOptions
{
    // Headers HttpClient or the protocol own; setting them by hand breaks the request or the auth options.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Host", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "User-Agent",
    };

    public required Uri Url { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The complete Authorization header value (Bearer … or Basic …), or null.</summary>
    public string? Authorization { get; init; }

    public string? BodyTemplate { get; init; }
    public string ContentType { get; init; } = "application/json";
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The sink's own limit (<c>rate_limit: { messages: 30, per: 1m }</c>), or null: the host paces and digests.</summary>
    public ChannelRateLimit? RateLimit { get; init; }

    /// <summary>
    /// <c>headers:</c> name → value; every value is read as a secret (they often carry tokens), so
    /// <c>X-Api-Key_file: /path</c> reads the value from a file and values are redacted everywhere.
    /// </summary>
    private static Dictionary<string, string> ReadHeaders(PluginSettings s)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (s.GetSection("headers") is not { } section)
        {
            return result;
        }

        var names = section.Keys.Select(k => k.EndsWith("_file", StringComparison.Ordinal) ? k[..^"_file".Length] : k)
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            if (section.GetSecret(name) is { } value)
            {
                result[name] = value;
            }
        }

        return result;
    }


    public static WebhookOptions? Read(PluginSettings s, out IReadOnlyList<string> extraSecrets)
    {
        var url = s.GetSecretUrl("url", required: true, fix: "write the sink's URL, or put it in a file named by url_file");
        var headers = ReadHeaders(s);
        var bearer = s.GetSecret("bearer_token");
        string? basic = null;
        if (s.GetSection("basic_auth") is { } b)
        {
            var user = b.RequireString("username", "write the user name for HTTP basic authentication");
            var password = b.RequireSecret("password", "write the password, or put it in a file named by password_file");
            if (user is not null && password is not null)
            {
                basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            }
        }

        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        string? body = null;
        var contentType = "application/json";
        var profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            body = t.RequireString("body", "write the body template, such as '{{ .Status }}', or remove template: to send the Alertmanager JSON");
            contentType = t.GetString("content_type") ?? contentType;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        ChannelRateLimit? rateLimit = null;
        if (s.GetSection("rate_limit") is { } rl)
        {
            var messages = rl.GetInt("messages", 20, 1, 100_000);
            var per = rl.GetDuration("per", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
            rl.ReportUnknownKeys();
            rateLimit = new ChannelRateLimit(messages, per);
        }

        if (bearer is not null && basic is not null)
        {
            s.AddError("bearer_token", "both 'bearer_token' and 'basic_auth' are set", "keep one way of authenticating");
        }

        foreach (var name in headers.Keys)
        {
            if (ReservedHeaders.Contains(name))
            {
                s.AddError("headers", $"header '{name}' cannot be set here",
                    name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "use bearer_token or basic_auth" : $"remove {name}");
            }
            else if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':'))
            {
                s.AddError("headers", $"'{name}' is not a valid header name", "use letters, digits and dashes");
            }
        }

        extraSecrets = headers.Values.ToList();
        if (basic is not null)
        {
            extraSecrets = [.. extraSecrets, basic];
        }

        return url is null
            ? null
            : new WebhookOptions
            {
                Url = url,
                Headers = headers,
                Authorization = bearer is not null ? "Bearer " + bearer : basic is not null ? "Basic " + basic : null,
                BodyTemplate = body,
                ContentType = contentType,
                TemplateProfile = profile,
                Timeout = timeout,
                RateLimit = rateLimit,
            };
    }
}
