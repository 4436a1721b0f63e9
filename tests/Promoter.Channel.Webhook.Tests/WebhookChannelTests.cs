using System.Text;
using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;
using Promoter.Channel.Webhook;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Webhook.Tests;

public sealed class WebhookChannelTests
{
    [Theory]
    [InlineData("firing-single.json")]
    [InlineData("resolved.json")]
    [InlineData("firing-and-expression.json")]
    public async Task Send_RealAlertmanagerPayload_ForwardsSameJsonPlusImages(string fixture)
    {
        await using var server = await ScriptedHttpServer.StartAsync();
        server.Respond(200, "Request received", "text/plain");
        using var context = new ChannelTestContext(new WebhookPlugin());
        var channel = context.Create("webhook", SettingsBuilder.FromPairs(("url", new Uri(server.BaseUrl, "alerts").ToString())));
        var original = await File.ReadAllTextAsync(TestPaths.TestData("alertmanager-0.25", fixture));
        var group = AlertGroupSamples.Parse(original);

        var result = await channel.SendAsync(AlertGroupSamples.Notify(group, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("application/json", request.Header("content-type"), StringComparison.Ordinal);
        var sent = JsonNode.Parse(request.BodyText)!.AsObject();
        var alerts = sent["alerts"]!.AsArray();
        for (var i = 0; i < alerts.Count; i++)
        {
            var image = Assert.Single(alerts[i]!["images"]!.AsArray());
            Assert.Equal($"https://images.example.com/charts/{i}.png", image!["url"]!.GetValue<string>());
            Assert.Equal($"{group.Alerts[i].Name} chart {i}", image["title"]!.GetValue<string>());
            alerts[i]!.AsObject().Remove("images");
        }

        // Without the images, the body is exactly what Alertmanager sent (field names, values, times).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), sent), $"expected\n{original}\nsent\n{sent.ToJsonString()}");
    }

    [Fact]
    public async Task Send_BasicAuthAndHeaders_SentAndNeverLogged()
    {
        await using var server = await ScriptedHttpServer.StartAsync();
        server.Respond(500, "down", "text/plain");
        using var context = new ChannelTestContext(new WebhookPlugin());
        var channel = context.Create("webhook", SettingsBuilder.FromPairs(
            ("url", server.BaseUrl.ToString()),
            ("headers", new Dictionary<string, string> { ["X-Api-Key"] = "apiKeySecret42" }),
            ("basic_auth", new (string, object?)[] { ("username", "promoter"), ("password", "passwordSecret42") })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.Transient, result.Failure);
        var request = Assert.Single(server.Requests);
        Assert.Equal("apiKeySecret42", request.Header("x-api-key"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("promoter:passwordSecret42")), request.Header("authorization"));
        Assert.DoesNotContain("Secret42", result.ToString() + context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_BodyTemplate_RenderedWithContentType()
    {
        await using var server = await ScriptedHttpServer.StartAsync();
        server.Respond(204);
        var templates = new FakeTemplateRenderer().Map("BODY", i => $"status={i.Group.Status} alerts={i.Group.Alerts.Count}");
        using var context = new ChannelTestContext(new WebhookPlugin(), templates: templates);
        var channel = context.Create("webhook", SettingsBuilder.FromPairs(("url", server.BaseUrl.ToString()),
            ("template", new (string, object?)[] { ("body", "BODY"), ("content_type", "text/plain") })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var request = Assert.Single(server.Requests);
        Assert.Equal("status=firing alerts=1", request.BodyText);
        Assert.StartsWith("text/plain", request.Header("content-type"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_BodyTemplateFails_AlertmanagerJsonSentAndErrorLogged()
    {
        await using var server = await ScriptedHttpServer.StartAsync();
        server.Respond(200);
        using var context = new ChannelTestContext(new WebhookPlugin());
        var channel = context.Create("webhook", SettingsBuilder.FromPairs(("url", server.BaseUrl.ToString()),
            ("template", new (string, object?)[] { ("body", FakeTemplateRenderer.FailRender) })));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("firing", JsonNode.Parse(Assert.Single(server.Requests).BodyText)!["status"]!.GetValue<string>());
        Assert.Contains(context.Logs.Logs, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    public static TheoryData<(string, object?)[], string> BadSections => new()
    {
        { [], "'url' (or 'url_file') is required" },
        { [("url", "https://sink/?t=tokSecret9"), ("headers", new Dictionary<string, string> { ["Authorization"] = "x" })], "use bearer_token or basic_auth" },
        { [("url", "https://sink/?t=tokSecret9"), ("bearer_token", "b"), ("basic_auth", new (string, object?)[] { ("username", "u"), ("password", "p") })], "both 'bearer_token' and 'basic_auth'" },
        { [("url", "https://sink/?t=tokSecret9"), ("basic_auth", new (string, object?)[] { ("username", "u") })], "'password' (or 'password_file') is required" },
        { [("url", "https://sink/?t=tokSecret9"), ("template", new (string, object?)[] { ("content_type", "text/plain") })], "'body' is required" },
    };

    [Theory]
    [MemberData(nameof(BadSections))]
    public void Create_BadSection_ReportsError((string, object?)[] pairs, string expected)
    {
        using var context = new ChannelTestContext(new WebhookPlugin());

        var (_, errors) = context.TryCreate("webhook", SettingsBuilder.FromPairs(pairs));

        var all = string.Join("\n", errors);
        Assert.Contains(expected, all, StringComparison.Ordinal);
        Assert.DoesNotContain("tokSecret9", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-21T22:45:02.568Z")]
    [InlineData("2026-11-21T22:45:02Z")]
    [InlineData("2026-11-21T22:45:02.123456789+08:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void GoTime_AlertmanagerTimes_RoundTrip(string time)
    {
        var parsed = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);
        // .NET keeps 7 fractional digits (100 ns ticks): Go's nanoseconds are rounded to them.
        var expected = time.Replace(".123456789", ".1234568", StringComparison.Ordinal);
        Assert.Equal(expected, WebhookPayload.GoTime(parsed));
    }
}
