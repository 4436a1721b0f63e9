using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;

namespace Promoter.Plugins.Sdk;

// Helpers the chat channels (DingTalk, WeCom, Feishu, Slack) share: mentions read from the data and the template
// fields every chat template gets.

/// <summary>
/// Mentions taken from the data rather than only the configuration: <c>mention_label</c> names a label or
/// annotation whose value lists people (comma, semicolon or space separated), <c>mention_template</c> renders
/// such a list; <c>mention_on_resolved</c> (false by default) keeps resolved notifications from paging anyone.
/// </summary>
public sealed record ChatMentionOptions
{
    public string? Label { get; init; }
    public string? Template { get; init; }
    public bool OnResolved { get; init; }

    public static ChatMentionOptions Read(PluginSettings s)
    {
        var label = s.GetString("mention_label");
        var template = s.GetString("mention_template");
        var onResolved = s.GetBool("mention_on_resolved", false);
        if (label is not null && (label.Length == 0 || label.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_'))))
        {
            s.AddError("mention_label", $"'{label}' is not a label name", "write a label or annotation name such as owner_mobile");
        }

        return new ChatMentionOptions { Label = string.IsNullOrEmpty(label) ? null : label, Template = string.IsNullOrEmpty(template) ? null : template, OnResolved = onResolved };
    }

    /// <summary>The IANA time zone templates format times in (<c>timezone:</c>; Asia/Shanghai for zh, UTC for en by default).</summary>
    public static string ReadTimeZone(PluginSettings s, string lang)
    {
        var zone = s.GetString("timezone") ?? (lang == "zh" ? "Asia/Shanghai" : "UTC");
        if (zone is "UTC" or "Local")
        {
            return zone;
        }

        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            s.AddError("timezone", $"'{zone}' is not a known time zone", "write an IANA time zone name such as Asia/Shanghai, Europe/Berlin or UTC");
            return "UTC";
        }

        return zone;
    }
}

/// <summary>Resolves the people a notification mentions from its alerts' labels/annotations and the mention template.</summary>
public sealed class ChatMentionResolver(ChatMentionOptions options, ICompiledTemplate? template, Action<string> templateFailed)
{
    private static readonly char[] Separators = [',', ';', ' ', '\n', '\t', '，', '；'];

    /// <summary>Whether a notification of this status mentions anyone at all (configured people included).</summary>
    public bool Mentions(Notification notification) =>
        options.OnResolved || notification.Group.Status != "resolved";

    /// <summary>The people named by the data (not the configured lists), in order, without duplicates.</summary>
    public IReadOnlyList<string> FromData(Notification notification, TemplateInput input)
    {
        if (!Mentions(notification))
        {
            return [];
        }

        var found = new List<string>();
        if (options.Label is { } label)
        {
            foreach (var alert in notification.Group.Alerts.Where(a => a.IsFiring || options.OnResolved))
            {
                if (alert.Labels.TryGetValue(label, out var v) || alert.Annotations.TryGetValue(label, out v))
                {
                    found.AddRange(Split(v));
                }
            }
        }

        if (template is not null)
        {
            try
            {
                found.AddRange(Split(template.Render(input)));
            }
            catch (TemplateException e)
            {
                templateFailed(e.Message);
            }
        }

        return found.Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> Split(string value) =>
        value.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A mobile number: digits, optionally with a leading + (anything else is a user id).</summary>
    public static bool IsMobile(string entry) =>
        entry.Length >= 5 && entry.TrimStart('+').All(char.IsAsciiDigit);

    public static bool IsAll(string entry) => entry is "@all" or "all" or "所有人";
}

/// <summary>The extra top-level template fields every chat channel passes (see docs/templates.md).</summary>
public static class ChatTemplateExtras
{
    /// <summary>A whole notification as a chat template sees it: its group, its images and <see cref="For"/>'s fields.</summary>
    public static TemplateInput Input(Notification notification, string lang, string timeZone, Uri? publicUrl)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return new TemplateInput(notification.Group)
        {
            Images = notification.Images,
            Extras = For(notification.Group, lang, timeZone, publicUrl, notification.Digest),
        };
    }

    public static Dictionary<string, object?> For(AlertGroup group, string lang, string timeZone, Uri? publicUrl, NotificationDigest? digest)
    {
        var extras = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Lang"] = lang,
            ["Timezone"] = timeZone,
            // Promoter's own page of an alert is {{ .PromoterURL }}/alerts/{{ .Fingerprint }}; "" without public_url.
            ["PromoterURL"] = publicUrl is null ? "" : publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/'),
            ["TruncatedAlerts"] = group.TruncatedAlerts,
        };
        if (digest is not null)
        {
            extras[TemplateExtras.Digest] = digest;
        }

        return extras;
    }
}
