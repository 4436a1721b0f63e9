using System.Text.Json.Nodes;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Testing.Channels;
using Promoter.Testing.FakeServers;

namespace Promoter.Channel.Teams.Tests;

/// <summary>The Teams channel against the fake workflow, which checks the card schema basics and the 28 KB limit.</summary>
public sealed class TeamsChannelTests
{
    private static SettingsMapping Settings(FakeTeamsWorkflowServer server, params (string, object?)[] extra) =>
        SettingsBuilder.FromPairs([("webhook_url", server.WebhookUrl.ToString()), .. extra]);

    private static FakeTemplateRenderer TextOf(Func<string> text) =>
        new FakeTemplateRenderer().Map(TeamsOptions.DefaultTextTemplate, _ => text());

    private static Notification WithImages(Notification n, Func<NotificationImage, NotificationImage> change) =>
        n with { Images = n.Images.Select(change).ToList() };

    /// <summary>A PNG-signed blob of <paramref name="size"/> bytes that does not compress (as a real chart's deflate stream).</summary>
    private static byte[] Chart(int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        AlertGroupSamples.TinyPng.Span[..8].CopyTo(bytes);
        return bytes;
    }

    private static IEnumerable<JsonObject> Elements(JsonObject card) =>
        card["body"]!.AsArray().Select(e => e!.AsObject())
            .SelectMany(e => e["items"] is JsonArray items ? items.Select(i => i!.AsObject()).Prepend(e) : [e]);

    [Fact]
    public async Task Send_FiringWithPublicChart_CardWithColourFactsImageAndButtons()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var call = Assert.Single(server.Calls);
        Assert.Equal(202, call.Status);
        Assert.Equal("application/json; charset=utf-8", call.Request.Header("content-type"));
        var card = Assert.Single(server.Cards).Card;
        var elements = Elements(card).ToList();
        Assert.Equal("attention", elements[0]["style"]!.GetValue<string>());
        var facts = Assert.Single(elements, e => e["type"]!.GetValue<string>() == "FactSet")["facts"]!.AsArray();
        Assert.Equal(["Status", "Firing", "Resolved", "severity", "instance", "job", "team"], facts.Select(f => f!["title"]!.GetValue<string>()));
        Assert.Equal("https://images.example.com/charts/0.png", Assert.Single(elements, e => e["type"]!.GetValue<string>() == "Image")["url"]!.GetValue<string>());
        var actions = card["actions"]!.AsArray();
        Assert.Equal(["Source", "Silence", "Alertmanager"], actions.Select(a => a!["title"]!.GetValue<string>()));
        Assert.Equal("http://vm:19093/#/silences/new?filter=%7Balertname%3D%22HighScrapeDuration%22%2Cinstance%3D%22127.0.0.1%3A19090%22%2Cjob%3D%22prometheus%22%2Cseverity%3D%22warning%22%2Cteam%3D%22%E8%BF%90%E7%BB%B4%22%7D",
            actions[1]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Send_Resolved_GoodColourAndNoSilenceButton()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.Resolved), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var card = Assert.Single(server.Cards).Card;
        Assert.Equal("good", Elements(card).First()["style"]!.GetValue<string>());
        Assert.Equal(["Source", "Alertmanager"], card["actions"]!.AsArray().Select(a => a!["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Send_SmallPrivateChart_InlineAsDataUri()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.True(channel.UploadsImages);
        var image = Assert.Single(Elements(Assert.Single(server.Cards).Card), e => e["type"]!.GetValue<string>() == "Image");
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(AlertGroupSamples.TinyPng.Span), image["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Send_ChartTooBigToInline_CardWithoutItSaysSo()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", Settings(server));
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true, publicImages: false), i => i with { Content = Chart(40_000) });

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var posted = Assert.Single(server.Cards);
        Assert.DoesNotContain(Elements(posted.Card), e => e["type"]!.GetValue<string>() == "Image");
        Assert.Contains("Chart \\u0022HighScrapeDuration chart 0\\u0022 left out: inline it would pass Teams\\u0027 28 KB message limit", posted.CardJson, StringComparison.Ordinal);
        Assert.True(posted.RequestBytes <= TeamsOptions.DefaultMaxMessageBytes, $"{posted.RequestBytes} bytes");
    }

    // The card is sized before it is sent: whatever the text and charts, the workflow never sees more than the budget.
    [Theory]
    [InlineData(1, 100, 1_000)]
    [InlineData(1, 100, 19_000)]
    [InlineData(1, 100, 21_000)]
    [InlineData(3, 100, 6_000)]
    [InlineData(1, 60_000, 1_000)]
    [InlineData(5, 30_000, 15_000)]
    [InlineData(40, 2_000, 2_000)]
    public async Task Send_AnyTextAndCharts_RequestWithinTheBudgetAndAccepted(int alerts, int textLength, int chartBytes)
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();

        // Multi-byte text: the limit counts bytes, not characters.
        var text = string.Concat(Enumerable.Repeat("告警 alert ", (textLength / 9) + 1))[..textLength];
        using var context = new ChannelTestContext(new TeamsPlugin(), templates: TextOf(() => text));
        var channel = context.Create("teams", Settings(server));
        var notification = WithImages(AlertGroupSamples.Notify(AlertGroupSamples.Many(alerts), withImages: true, publicImages: false),
            i => i with { Content = Chart(chartBytes, i.AlertIndex) });

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        var posted = Assert.Single(server.Cards);
        Assert.InRange(posted.RequestBytes, 1, TeamsOptions.DefaultMaxMessageBytes);
        var inline = Elements(posted.Card).Count(e => e["type"]!.GetValue<string>() == "Image");
        var leftOut = posted.CardJson.Split("left out: inline it would pass").Length - 1;
        Assert.Equal(alerts, inline + leftOut);
    }

    [Fact]
    public async Task Send_ManyLongNotes_StillWithinTheBudget()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", Settings(server));
        var notification = AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle) with { Notes = Enumerable.Repeat(new string('n', 5000), 50).ToList() };

        var result = await channel.SendAsync(notification, CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.InRange(Assert.Single(server.Cards).RequestBytes, 1, TeamsOptions.DefaultMaxMessageBytes);
    }

    [Fact]
    public async Task Send_TextAlone_FillsTheBudgetBeforeCutting()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        using var context = new ChannelTestContext(new TeamsPlugin(), templates: TextOf(() => new string('x', 100_000)));
        var channel = context.Create("teams", Settings(server, ("max_message_bytes", "20000")));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.InRange(Assert.Single(server.Cards).RequestBytes, 19_900, 20_000);
    }

    [Fact]
    public async Task Send_WorkflowThrottled_RateLimitedWithRetryAfter()
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        server.RespondNext(429, """{"error":{"code":"WorkflowTriggerIsThrottled","message":"Rate limit is exceeded."}}""", "30");
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", Settings(server));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(FailureReason.RateLimited, result.Failure);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Theory]
    [InlineData("sig=wrongSignature0123456789", FailureReason.Auth, "DirectApiInvalidAuthorizationSignature")]
    [InlineData("workflow", FailureReason.Permanent, "workflow was deleted or turned off")]
    public async Task Send_WrongSignatureOrWorkflow_ClassifiedWithoutTheSignature(string change, FailureReason expected, string message)
    {
        await using var server = await FakeTeamsWorkflowServer.StartAsync();
        var url = change == "workflow"
            ? server.WebhookUrl.ToString().Replace(server.WorkflowId, "0000deadbeef", StringComparison.Ordinal)
            : server.WebhookUrl.ToString().Replace("sig=" + server.Signature, change, StringComparison.Ordinal);
        using var context = new ChannelTestContext(new TeamsPlugin());
        var channel = context.Create("teams", SettingsBuilder.FromPairs(("webhook_url", url)));

        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle), CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(change == "workflow" ? server.Signature : "wrongSignature0123456789", result.ToString() + context.Logs.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "channels.test.webhook_url", "webhook request is received")]
    [InlineData(new[] { "webhook_url", "https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d" }, "channels.test.webhook_url", "retired")]
    [InlineData(new[] { "webhook_url", "https://prod.logic.azure.com/workflows/a/triggers/manual/paths/invoke?sig=x", "max_message_bytes", "40000" }, "channels.test.max_message_bytes", "28672")]
    [InlineData(new[] { "webhook_url", "not a url" }, "channels.test.webhook_url", "webhook_url_file")]
    public void Create_InvalidSettings_ErrorNamesPathAndFix(string[] pairs, string path, string fixHint)
    {
        using var context = new ChannelTestContext(new TeamsPlugin());
        var section = SettingsBuilder.FromPairs(pairs.Chunk(2).Select(p => (p[0], (object?)p[1])).ToArray());

        var (_, errors) = context.TryCreate("teams", section);

        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Contains(fixHint, error.Message + " " + error.Fix, StringComparison.Ordinal);
    }
}
