using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Utils;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;

namespace Promoter.Channel.Email;

/// <summary>A composed message and how many charts it carries inline.</summary>
internal sealed record ComposedEmail(MimeMessage Message, int InlineCharts);

/// <summary>
/// Builds the MIME message of a notification (RFC 2045/2046/2387/2392):
/// <code>
/// multipart/alternative
///   text/plain                       the text template
///   multipart/related                the HTML template, with the charts it references
///     text/html
///     image/png  (Content-ID, inline)  one per chart whose bytes the host gave us
/// </code>
/// Charts with bytes are embedded and the templates see their URL as <c>cid:&lt;content-id&gt;</c>, so the
/// reader needs no access to the image store; a chart without bytes is linked by its stored URL. The
/// Message-ID is derived from the delivery id (a retried delivery sends the same id), and a resolved
/// notification refers to the firing one (In-Reply-To/References) so that mail clients thread them.
/// </summary>
internal sealed class EmailMessageComposer
{
    private readonly string _channel;
    private readonly EmailOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ICompiledTemplate? _subject;
    private readonly ICompiledTemplate? _html;
    private readonly ICompiledTemplate? _text;

    public EmailMessageComposer(string channel, string path, EmailOptions options, ITemplateRenderer templates, TimeProvider time, ILogger logger,
        PluginSettings? settings = null)
    {
        _channel = channel;
        _options = options;
        _time = time;
        _logger = logger;
        _subject = Compile(templates, path, "subject", options.SubjectTemplate, options.TemplateProfile, html: false, settings);
        _html = Compile(templates, path, "html", options.HtmlTemplate, options.TemplateProfile, html: true, settings);
        _text = Compile(templates, path, "text", options.TextTemplate, options.TemplateProfile, html: false, settings);
    }

    public ComposedEmail Compose(Notification notification)
    {
        var group = notification.Group;
        var domain = _options.From.Domain is { Length: > 0 } d ? d : "promoter.local";
        var token = Token(notification.DeliveryId);

        // Charts: embedded when the host gave us their bytes, linked otherwise, left out when neither.
        var templateImages = new List<NotificationImage>(notification.Images.Count);
        var inline = new List<MimePart>();
        long inlineBytes = 0;
        for (var i = 0; i < notification.Images.Count; i++)
        {
            var image = notification.Images[i];
            if (!image.Content.IsEmpty)
            {
                // Half of the size budget at most goes to images: base64 grows them by a third.
                if (inlineBytes + image.Content.Length > _options.MaxMessageBytes / 2)
                {
                    EmailLog.ChartLeftOut(_logger, _channel, image.Title, $"the message would exceed max_message_size ({_options.MaxMessageBytes} bytes)");
                    continue;
                }

                var contentId = $"chart{i}.{token}@{domain}";
                var type = ContentType.TryParse(image.ContentType, out var ct) ? ct : new ContentType("image", "png");
                var part = new MimePart(type)
                {
                    Content = new MimeContent(new MemoryStream(image.Content.ToArray(), writable: false)),
                    ContentId = contentId,
                    ContentDisposition = new ContentDisposition(ContentDisposition.Inline) { FileName = $"chart-{i + 1}.{Extension(type)}" },
                    ContentTransferEncoding = ContentEncoding.Base64,
                };
                inline.Add(part);
                inlineBytes += image.Content.Length;
                templateImages.Add(image with { Url = new Uri("cid:" + contentId), Content = default });
            }
            else if (image.Url is not null)
            {
                templateImages.Add(image);
            }
            else
            {
                EmailLog.ChartLeftOut(_logger, _channel, image.Title, "neither its bytes nor a URL are available");
            }
        }

        var input = new TemplateInput(group) { Images = templateImages };
        var subject = OneLine(Render(_subject, input, BuiltInSubject(group)));
        var html = Render(_html, input, BuiltInHtml(group, templateImages));
        var text = Render(_text, input, BuiltInText(group));
        if (notification.Notes.Count > 0)
        {
            // Notes ("chart unavailable: …") are not template data: appended to both bodies.
            text = text.TrimEnd() + "\n\n" + string.Join("\n", notification.Notes) + "\n";
            var notes = string.Concat(notification.Notes.Select(n => $"<p style=\"color:#7b8794;font-size:12px\">{WebUtility.HtmlEncode(n)}</p>"));
            var body = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
            html = body >= 0 ? html.Insert(body, notes) : html + notes;
        }

        var message = new MimeMessage();
        message.From.Add(_options.From);
        message.To.AddRange(_options.To);
        message.Subject = subject;
        message.Date = _time.GetUtcNow();
        message.MessageId = $"{token}@{domain}";
        if (notification.PreviousMessageId is { Length: > 0 } previous && !group.Status.Equals("firing", StringComparison.Ordinal))
        {
            message.InReplyTo = previous;
            message.References.Add(previous);
        }

        foreach (var (name, value) in _options.Headers)
        {
            message.Headers.Add(name, value);
        }

        var htmlPart = new TextPart("html") { Text = html };
        MimeEntity htmlEntity = htmlPart;
        if (inline.Count > 0)
        {
            // RFC 2387: the HTML is the root of multipart/related and refers to the images by Content-ID.
            var related = new MultipartRelated { htmlPart };
            foreach (var part in inline)
            {
                related.Add(part);
            }

            related.Root = htmlPart;
            htmlEntity = related;
        }

        // RFC 2046 5.1.4: alternatives in increasing order of preference, plain text first.
        message.Body = new MultipartAlternative { new TextPart("plain") { Text = text }, htmlEntity };
        return new ComposedEmail(message, inline.Count);
    }

    /// <summary>A stable, opaque token for the delivery: the same on every attempt, nothing guessable.</summary>
    private static string Token(string deliveryId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(deliveryId));
        return "promoter." + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    private static string Extension(ContentType type) => type.MediaSubtype.ToLowerInvariant() switch
    {
        "jpeg" => "jpg",
        "svg+xml" => "svg",
        var s => s,
    };

    private static string OneLine(string s)
    {
        // A subject is one header line: line breaks from a template would end the header (header injection).
        var sb = new StringBuilder(s.Length);
        foreach (var c in s.Trim())
        {
            sb.Append(c is '\r' or '\n' or '\t' ? ' ' : c);
        }

        return sb.ToString();
    }

    private string Render(ICompiledTemplate? template, TemplateInput input, string fallback) =>
        TemplateFallback.Render(template, () => input, fallback, (name, error) => EmailLog.TemplateFailed(_logger, _channel, name, error));

    private ICompiledTemplate? Compile(ITemplateRenderer templates, string path, string key, string text, string profile, bool html, PluginSettings? settings) =>
        TemplateFallback.Compile(templates, $"{path}.template.{key}", text, profile, (name, error) =>
        {
            if (settings is not null)
            {
                // A configuration error: the host refuses the configuration, nothing to log here.
                settings.AddError($"template.{key}", error, html
                    ? "fix the HTML template (it is escaped as Go's html/template; check it with: promoter template render --template.type=html)"
                    : "fix the template (check it with: promoter template render)");
                return;
            }

            EmailLog.TemplateFailed(_logger, _channel, name, error);
        }, html);

    internal static string BuiltInSubject(AlertGroup group)
    {
        var names = string.Join(" ", group.Alerts.Select(a => a.Name).Distinct(StringComparer.Ordinal));
        return group.Status == "firing" ? $"[FIRING:{group.Alerts.Count(a => a.IsFiring)}] {names}" : $"[RESOLVED] {names}";
    }

    internal static string BuiltInText(AlertGroup group)
    {
        var sb = new StringBuilder();
        sb.AppendLine(BuiltInSubject(group)).AppendLine();
        foreach (var a in group.Alerts)
        {
            sb.Append("- ").Append(a.Name).Append(' ').Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(summary);
            }

            sb.AppendLine();
            if (a.GeneratorUrl is { Length: > 0 } source)
            {
                sb.Append("  ").AppendLine(source);
            }
        }

        return sb.ToString();
    }

    /// <summary>The message sent when the HTML template fails: plain, escaped with .NET's HTML encoder.</summary>
    internal static string BuiltInHtml(AlertGroup group, IReadOnlyList<NotificationImage> images)
    {
        var sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
        sb.Append("<h2>").Append(WebUtility.HtmlEncode(BuiltInSubject(group))).Append("</h2><ul>");
        for (var i = 0; i < group.Alerts.Count; i++)
        {
            var a = group.Alerts[i];
            sb.Append("<li><b>").Append(WebUtility.HtmlEncode(a.Name)).Append("</b> ").Append(a.IsFiring ? "firing" : "resolved");
            if (a.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0)
            {
                sb.Append(": ").Append(WebUtility.HtmlEncode(summary));
            }

            foreach (var image in images.Where(im => im.AlertIndex == i && im.Url is not null))
            {
                sb.Append(CultureInfo.InvariantCulture, $"<br><img src=\"{WebUtility.HtmlEncode(image.Url!.ToString())}\" alt=\"{WebUtility.HtmlEncode(image.Title)}\" width=\"640\">");
            }

            sb.Append("</li>");
        }

        sb.Append("</ul>");
        return sb.Append("</body></html>").ToString();
    }
}
