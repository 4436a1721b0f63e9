using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Email.Tests;

/// <summary>The message the default templates produce, without a server.</summary>
public sealed class EmailMessageComposerTests
{
    private static EmailOptions Options(string lang = "en") => new()
    {
        Host = "smtp.example.com",
        From = MailboxAddress.Parse("alerts@example.com"),
        To = [MailboxAddress.Parse("ops@example.com")],
        SubjectTemplate = lang == "zh" ? "{{ template \"email.promoter.subject.zh\" . }}" : EmailOptions.DefaultSubjectTemplate,
        HtmlTemplate = lang == "zh" ? "{{ template \"email.promoter.html.zh\" . }}" : EmailOptions.DefaultHtmlTemplate,
        TextTemplate = lang == "zh" ? "{{ template \"email.promoter.text.zh\" . }}" : EmailOptions.DefaultTextTemplate,
    };

    private static EmailMessageComposer Composer(string lang = "en") =>
        new("test", "channels.test", Options(lang), new GoEngineTemplates(), TimeProvider.System, NullLogger.Instance);

    /// <summary>A firing group whose values carry HTML, quotes and a javascript: URL.</summary>
    private static AlertGroup Hostile()
    {
        var g = AlertGroupSamples.FiringSingle;
        var a = g.Alerts[0];
        var labels = new Dictionary<string, string>(a.Labels) { ["instance"] = "<script>alert(1)</script>", ["team"] = "\"ops\" & 'sre'" };
        var annotations = new Dictionary<string, string>(a.Annotations) { ["summary"] = "<b>disk</b> & more" };
        return g with { Alerts = [a with { Labels = labels, Annotations = annotations, GeneratorUrl = "javascript:alert(2)" }] };
    }

    /// <summary>The alert of docs/images/chart-firing.png, for the picture in the docs.</summary>
    private static AlertGroup Demo()
    {
        var g = AlertGroupSamples.FiringSingle;
        var labels = new Dictionary<string, string> { ["alertname"] = "HighCpuUsage", ["instance"] = "node-3:9100", ["job"] = "node", ["severity"] = "critical" };
        var alert = g.Alerts[0] with
        {
            Labels = labels,
            Annotations = new Dictionary<string, string> { ["summary"] = "CPU busy above 80% on node-3:9100", ["description"] = "Non-idle CPU averaged 81.9% over the last 5 minutes." },
            GeneratorUrl = "http://prometheus:9090/graph?g0.expr=avg+by+%28instance%29+%28rate%28node_cpu_seconds_total%7Bmode%21%3D%22idle%22%7D%5B5m%5D%29%29+%3E+0.8&g0.tab=1",
        };
        return g with
        {
            Alerts = [alert],
            GroupLabels = new Dictionary<string, string> { ["alertname"] = "HighCpuUsage" },
            CommonLabels = labels,
            CommonAnnotations = alert.Annotations,
            ExternalUrl = "http://alertmanager:9093",
        };
    }

    private static Notification Notify(AlertGroup group, byte[] png, string deliveryId = "delivery-1", IReadOnlyList<string>? notes = null) => new()
    {
        DeliveryId = deliveryId,
        Group = group,
        Images = group.Alerts.Select((a, i) => new NotificationImage { AlertIndex = i, Title = $"{a.Name} \"chart\"", Content = png, Url = new Uri($"http://10.0.0.5:8080/images/{i}.png") }).ToList(),
        Notes = notes ?? [],
        CreatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void Compose_HostileValues_EscapedInHtmlAndUnsafeUrlFiltered()
    {
        var mail = Composer().Compose(Notify(Hostile(), [1, 2, 3])).Message;
        var html = mail.HtmlBody ?? "";

        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;disk&lt;/b&gt; &amp; more", html, StringComparison.Ordinal);
        Assert.Contains("&#34;ops&#34; &amp; &#39;sre&#39;", html, StringComparison.Ordinal);
        // html/template replaces a javascript: URL by #ZgotmplZ.
        Assert.Contains("href=\"#ZgotmplZ\"", html, StringComparison.Ordinal);
        Assert.Contains("alt=\"HighScrapeDuration &#34;chart&#34;\"", html, StringComparison.Ordinal);
        // The plain-text part is not HTML: values as they are.
        Assert.Contains("<script>alert(1)</script>", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_SameDeliveryTwice_SameMessageIdAndContentIds()
    {
        var composer = Composer();
        var first = composer.Compose(Notify(AlertGroupSamples.FiringSingle, [1, 2, 3])).Message;
        var again = composer.Compose(Notify(AlertGroupSamples.FiringSingle, [1, 2, 3])).Message;
        var other = composer.Compose(Notify(AlertGroupSamples.FiringSingle, [1, 2, 3], deliveryId: "delivery-2")).Message;

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.MessageId, other.MessageId);
        Assert.EndsWith("@example.com", first.MessageId, StringComparison.Ordinal);
        Assert.Equal(first.BodyParts.OfType<MimePart>().Select(p => p.ContentId), again.BodyParts.OfType<MimePart>().Select(p => p.ContentId));
    }

    [Fact]
    public void Compose_SubjectTemplateWithLineBreaks_OneHeaderLine()
    {
        var options = Options() with { SubjectTemplate = "a\r\nBcc: victim@example.com\nb" };
        var composer = new EmailMessageComposer("test", "channels.test", options, new GoEngineTemplates(), TimeProvider.System, NullLogger.Instance);
        var mail = composer.Compose(Notify(AlertGroupSamples.FiringSingle, [1])).Message;

        Assert.Equal("a  Bcc: victim@example.com b", mail.Subject);
        Assert.Empty(mail.Bcc);
    }

    [Fact]
    public void Compose_Notes_AppearInBothBodies()
    {
        var mail = Composer().Compose(Notify(AlertGroupSamples.FiringSingle, [1], notes: ["chart unavailable: Prometheus <timed out>"])).Message;

        Assert.Contains("chart unavailable: Prometheus <timed out>", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("chart unavailable: Prometheus &lt;timed out&gt;", mail.HtmlBody, StringComparison.Ordinal);
    }

    /// <summary>
    /// The default message for a firing and a resolved alert in both languages: every chart embedded and
    /// referenced, links present. With PROMOTER_EMAIL_PREVIEW_DIR set, also writes each HTML body with the
    /// cid: references replaced by data: URIs (what a mail client shows), for the picture in docs/.
    /// </summary>
    [Theory]
    [InlineData("en", "firing-single.json")]
    [InlineData("zh", "firing-single.json")]
    [InlineData("en", "resolved.json")]
    [InlineData("en", "demo")]
    [InlineData("zh", "demo")]
    public void Compose_DefaultTemplates_EveryChartEmbeddedAndReferenced(string lang, string fixture)
    {
        var png = File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "docs", "images", fixture == "resolved.json" ? "chart-resolved.png" : "chart-firing.png"));
        var group = fixture == "demo" ? Demo() : Promoter.Testing.Infrastructure.RepoAlertGroups.Load("alertmanager-0.25", fixture);
        var composed = Composer(lang).Compose(Notify(group, png));
        var html = composed.Message.HtmlBody ?? "";
        var parts = composed.Message.BodyParts.OfType<MimePart>().Where(p => p.ContentType.MediaType == "image").ToList();

        Assert.Equal(group.Alerts.Count, composed.InlineCharts);
        Assert.Equal(group.Alerts.Count, parts.Count);
        foreach (var part in parts)
        {
            Assert.Contains($"src=\"cid:{part.ContentId}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains(group.Alerts[0].GeneratorUrl.Split('?')[0], html, StringComparison.Ordinal);
        Assert.Equal(group.Status == "firing", html.Contains("/#/silences/new?filter=%7B", StringComparison.Ordinal));
        Assert.DoesNotContain("<no value>", html + composed.Message.TextBody, StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("PROMOTER_EMAIL_PREVIEW_DIR") is { Length: > 0 } dir)
        {
            foreach (var part in parts)
            {
                using var bytes = new MemoryStream();
                part.Content!.DecodeTo(bytes);
                html = html.Replace("cid:" + part.ContentId, "data:image/png;base64," + Convert.ToBase64String(bytes.ToArray()), StringComparison.Ordinal);
            }

            File.WriteAllText(Path.Combine(dir, $"email-{lang}-{Path.GetFileNameWithoutExtension(fixture)}.html"), html);
        }
    }
}
