using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Promoter.EndToEnd.Tests;

/// <summary>
/// Assertions on one run of <see cref="AlertFlowScenario"/> (real Prometheus, Alertmanager, nginx, s3rver and
/// the published Promoter; DingTalk and Slack fakes that check what the real services check).
/// </summary>
public sealed class AlertFlowTests(AlertFlowScenario run) : IClassFixture<AlertFlowScenario>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Receivers_FiringAlerts_ReachTheirOwnChannels()
    {
        var ding = Assert.Single(run.DingTalkAfterFiring);
        Assert.Contains(AlertFlowScenario.QueueAlert, ding.Title + ding.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(AlertFlowScenario.ErrorAlert, ding.Title + ding.Text, StringComparison.Ordinal);

        var slack = Assert.Single(run.SlackAfterFiring);
        Assert.Equal(AlertFlowScenario.SlackChannel, slack.Channel);
        Assert.Contains(AlertFlowScenario.ErrorAlert, slack.Text + slack.BlocksJson, StringComparison.Ordinal);
        Assert.DoesNotContain(AlertFlowScenario.QueueAlert, slack.Text + slack.BlocksJson, StringComparison.Ordinal);
    }

    [Fact]
    public void DingTalkMessage_ImageUrl_ServedByNginxAsPngOfTheAlertExpression()
    {
        var ding = run.DingTalkAfterFiring[0];
        var image = Assert.Single(AlertFlowScenario.MarkdownImages().Matches(ding.Text));
        var url = new Uri(image.Groups["url"].Value);
        Assert.Equal(run.Nginx.Port, url.Port);
        Assert.StartsWith("/saved-images/", url.AbsolutePath, StringComparison.Ordinal);
        // The renderer plots the expression's left-hand side and draws its right-hand side as the threshold.
        Assert.StartsWith($"{AlertFlowScenario.QueueAlert}: {AlertFlowScenario.QueueMetric}", image.Groups["title"].Value, StringComparison.Ordinal);
        AssertChartPng(run.Images[url], url);
    }

    [Fact]
    public void SlackMessage_ImageUrl_PresignedS3PngOfTheAlertExpression()
    {
        var block = Assert.Single(AlertFlowScenario.SlackImageBlocks(run.SlackAfterFiring[0]));
        var url = new Uri(block["image_url"]!.GetValue<string>());
        Assert.Equal(run.S3.Port, url.Port);
        Assert.Contains("X-Amz-Signature=", url.Query, StringComparison.Ordinal);
        var label = (block["alt_text"]?.GetValue<string>() ?? "") + " " + ((block["title"] as JsonObject)?["text"]?.GetValue<string>() ?? "");
        Assert.StartsWith($"{AlertFlowScenario.ErrorAlert}: {AlertFlowScenario.ErrorMetric}", label, StringComparison.Ordinal);
        AssertChartPng(run.Images[url], url);
    }

    [Fact]
    public void Images_EveryUrlInEveryMessage_FetchesAValidPng()
    {
        Assert.NotEmpty(run.Images);
        foreach (var (url, image) in run.Images)
        {
            AssertChartPng(image, url);
        }

        // Two different expressions cannot give the same chart.
        Assert.True(run.Images.Values.Select(i => Convert.ToHexString(i.Content)).Distinct().Count() >= 2,
            "the DingTalk and Slack charts are the same picture");
    }

    [Fact]
    public void DingTalk_ResolvedAfterKill_ArrivesExactlyOnce()
    {
        Assert.True(run.DingTalkRefusedBeforeKill >= 1, "the resolved notification was never attempted before the kill");
        Assert.Equal(2, run.DingTalk.Messages.Count);
        var resolved = run.DingTalk.Messages[1];
        Assert.Contains("RESOLVED", resolved.Title + resolved.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(AlertFlowScenario.QueueAlert, resolved.Title + resolved.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("RESOLVED", run.DingTalk.Messages[0].Title, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Slack_ResolvedAfterKill_UpdatesTheOriginalMessageOnce()
    {
        Assert.True(run.SlackRefusedBeforeKill >= 1, "the resolved notification was never attempted before the kill");
        var original = Assert.Single(run.TopLevelSlackMessages());
        Assert.Equal(run.SlackAfterFiring[0].Ts, original.Ts);
        Assert.Equal(1, original.Updates);

        var updates = run.Slack.Calls.Where(c => c.Method == "chat.update" && c.Ok).ToList();
        var update = Assert.Single(updates);
        var body = JsonNode.Parse(update.Request.BodyText)!.AsObject();
        Assert.Equal(original.Ts, body["ts"]?.GetValue<string>());
        Assert.Contains("resolved", original.Text + original.BlocksJson, StringComparison.OrdinalIgnoreCase);

        var reply = Assert.Single(run.Slack.Messages, m => m.ThreadTs is not null);
        Assert.Equal(original.Ts, reply.ThreadTs);
        Assert.Equal(1, run.Slack.Calls.Count(c => c.Method == "chat.postMessage" && c.Ok && !c.Request.BodyText.Contains("thread_ts", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(AlertFlowScenario.QueueAlert, "team-a", "ding")]
    [InlineData(AlertFlowScenario.ErrorAlert, "team-b", "slack")]
    public void History_EachAlert_ShowsFiringThenResolvedWithTheRightTimes(string alertName, string receiver, string channel)
    {
        var history = Assert.Contains(alertName, run.Histories);
        var changes = history.Changes.Where(c => !c.IsRepeat).OrderBy(c => c.ReceivedAt).ToList();
        Assert.Equal(["firing", "resolved"], changes.Select(c => c.Status));
        Assert.All(changes, c => Assert.Equal(receiver, c.Receiver));

        var (firing, resolved) = (changes[0], changes[1]);
        var slack = TimeSpan.FromSeconds(1);
        Assert.InRange(firing.StartsAt, run.FlippedUpAt - slack, run.FlippedDownAt);
        Assert.Null(firing.EndsAt);
        Assert.Equal(firing.StartsAt, resolved.StartsAt);
        Assert.NotNull(resolved.EndsAt);
        Assert.InRange(resolved.EndsAt!.Value, run.FlippedDownAt - slack, run.FlippedDownAt + TimeSpan.FromSeconds(30));
        Assert.True(firing.ReceivedAt < run.FlippedDownAt + slack, $"firing received at {firing.ReceivedAt:O}, after the flip down");
        Assert.True(resolved.ReceivedAt >= run.FlippedDownAt - slack, $"resolved received at {resolved.ReceivedAt:O}, before the flip down");

        // One delivery per notification to the receiver's channel, both delivered, none duplicated.
        var deliveries = history.Deliveries.Where(d => d.Channel == channel).ToList();
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal("Succeeded", d.State));
        Assert.Equal(changes.Select(c => c.GroupId).Order(), deliveries.Select(d => d.GroupId).Order());
    }

    [Fact]
    public void Run_WholeStory_StaysWithinTheTimeBudget()
    {
        // Issue 8: the end-to-end run stays under about three minutes (publishing included).
        Assert.True(run.Elapsed < TimeSpan.FromMinutes(3), $"the end-to-end story took {run.Elapsed}");
    }

    private static void AssertChartPng(FetchedImage image, Uri url)
    {
        Assert.True(image.Status == 200, $"GET {url.GetLeftPart(UriPartial.Path)} answered {image.Status}");
        Assert.True(image.Content.Length > 2000, $"{url.GetLeftPart(UriPartial.Path)} is only {image.Content.Length} bytes");
        Assert.Equal(PngSignature, image.Content[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(image.Content, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(image.Content.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(image.Content.AsSpan(20));
        Assert.InRange(width, 400, 8000);
        Assert.InRange(height, 150, 6000);
    }
}
