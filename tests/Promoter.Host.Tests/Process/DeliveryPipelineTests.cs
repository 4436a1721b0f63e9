using System.Net;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Process;

/// <summary>
/// The delivery promise, tested with Promoter as a real process sending through the webhook channel to a
/// recording sink: retries, permanent failures, deadlines, per-channel order, history, and SIGKILL.
/// </summary>
public sealed class DeliveryPipelineTests
{
    private static string Config(Uri sink, string delivery = "{ initial_backoff: 100ms, max_backoff: 500ms }") => $"""
        channels:
          hook: {"{"} type: webhook, url: "{sink}hook" {"}"}
          hook2: {"{"} type: webhook, url: "{sink}hook2" {"}"}
          log: {"{"} type: log {"}"}
        receivers:
          - name: ops
            channels: [hook]
          - name: both
            channels: [hook, hook2, log]
        delivery: {delivery}
        """;

    private static string Group(string key, string status = "firing", string fingerprint = "6b1410b0fcb84541") =>
        File.ReadAllText(TestPaths.TestData("alertmanager-0.25", status == "firing" ? "firing-single.json" : "resolved.json"))
            .Replace("{}:{alertname=\\\"HighScrapeDuration\\\"}", key, StringComparison.Ordinal)
            .Replace("6b1410b0fcb84541", fingerprint, StringComparison.Ordinal);

    private static string? DeliveryState(JsonElement history) =>
        history.TryGetProperty("deliveries", out var d) && d.GetArrayLength() > 0 ? d[0].GetProperty("state").GetString() : null;

    private static string GroupKeyOf(SinkRequest r)
    {
        using var doc = JsonDocument.Parse(r.Body);
        return doc.RootElement.GetProperty("groupKey").GetString()!;
    }

    [Fact]
    public async Task Kill_MidDispatch_AfterRestartEveryGroupDeliveredExactlyOnce()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        // The first five succeed; then the sink is "down" (503) so work piles up in the outbox.
        var successes = 0;
        sink.Decide = _ => Interlocked.Increment(ref successes) <= 5 ? 200 : 503;
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url));
        const int groups = 20;
        for (var i = 0; i < groups; i++)
        {
            using var r = await promoter.PostWebhookAsync("ops", Group($"crash-{i:00}"));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        // Sends cut off by the kill are impossible here: every request is answered (the sink is down, not slow).
        await promoter.WaitUntilAsync(() => sink.Requests.Count(r => r.AnsweredStatus == 503) >= 2, TimeSpan.FromSeconds(30), "retries against the failing sink");
        await promoter.KillAsync();
        sink.Decide = _ => 200;
        await promoter.KillAndRestartAsync();

        await promoter.WaitUntilAsync(() => sink.Requests.Count(r => r.AnsweredStatus == 200) >= groups, TimeSpan.FromSeconds(60), "all 20 groups");
        await Task.Delay(1000);
        var delivered = sink.Requests.Where(r => r.AnsweredStatus == 200).Select(GroupKeyOf).ToList();
        Assert.Equal(groups, delivered.Count);
        // Groups are independent of each other (no order across groups); each arrived once.
        Assert.Equal(Enumerable.Range(0, groups).Select(i => $"crash-{i:00}"), delivered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Send_TransientThenSuccess_RetriedUntilDeliveredAndAttemptsRecorded()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        var calls = 0;
        sink.Decide = _ => Interlocked.Increment(ref calls) <= 2 ? 503 : 200;
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url));

        using var r = await promoter.PostWebhookAsync("ops", Group("retry-1", fingerprint: "00000000000000a1"));
        await promoter.WaitUntilAsync(() => sink.Requests.Any(x => x.AnsweredStatus == 200), TimeSpan.FromSeconds(20), "the successful attempt");

        Assert.Equal(3, sink.Requests.Count);
        Assert.Single(sink.Requests.Select(x => x.Headers["Idempotency-Key"]).Distinct());
        // The sink answering 200 comes before Promoter records the success, so wait for the record.
        using var doc = await promoter.WaitForJsonAsync("api/v1/alerts/00000000000000a1/history",
            h => DeliveryState(h) is "Succeeded" or "Failed", TimeSpan.FromSeconds(10), "the delivery's outcome in the history");
        var delivery = doc.RootElement.GetProperty("deliveries")[0];
        Assert.Equal("Succeeded", delivery.GetProperty("state").GetString());
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Send_PermanentFailure_NotRetriedAndRecorded()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        sink.Status = 400;
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url));

        using var r = await promoter.PostWebhookAsync("ops", Group("permanent-1", fingerprint: "00000000000000b1"));
        await promoter.WaitUntilAsync(() => sink.Requests.Count >= 1, TimeSpan.FromSeconds(20), "the attempt");
        using var doc = await promoter.WaitForJsonAsync("api/v1/alerts/00000000000000b1/history",
            h => DeliveryState(h) is "Succeeded" or "Failed", TimeSpan.FromSeconds(10), "the delivery's outcome in the history");
        // Long enough for a wrongly scheduled retry (initial backoff 100 ms) to reach the sink.
        await Task.Delay(1500);

        Assert.Single(sink.Requests);
        var delivery = doc.RootElement.GetProperty("deliveries")[0];
        Assert.Equal("Failed", delivery.GetProperty("state").GetString());
        Assert.Equal("InvalidRequest", delivery.GetProperty("failureReason").GetString());
        Assert.Contains("promoter_deliveries_total{channel=\"hook\",result=\"InvalidRequest\"} 1", await promoter.Http.GetStringAsync("metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_AlwaysFailing_GivesUpAtDeadline()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        sink.Status = 503;
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url, "{ deadline: 10s, initial_backoff: 200ms, max_backoff: 1s }"));

        using var r = await promoter.PostWebhookAsync("ops", Group("deadline-1", fingerprint: "00000000000000c1"));
        await promoter.WaitUntilAsync(() => promoter.Output.Contains("failed for good", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the final failure");

        using var doc = JsonDocument.Parse(await promoter.Http.GetStringAsync("api/v1/alerts/00000000000000c1/history"));
        var delivery = doc.RootElement.GetProperty("deliveries")[0];
        Assert.Equal("DeadlineExceeded", delivery.GetProperty("failureReason").GetString());
        Assert.InRange(sink.Requests.Count, 5, 40);
        var count = sink.Requests.Count;
        await Task.Delay(1500);
        Assert.Equal(count, sink.Requests.Count);
    }

    [Fact]
    public async Task Send_RateLimitedWithRetryAfter_WaitsThatLong()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        var calls = 0;
        sink.Decide = _ => Interlocked.Increment(ref calls) == 1 ? 429 : 200;
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url));

        using var r = await promoter.PostWebhookAsync("ops", Group("ratelimited-1"));
        await promoter.WaitUntilAsync(() => sink.Requests.Any(x => x.AnsweredStatus == 200), TimeSpan.FromSeconds(20), "the retry");

        var gap = sink.Requests[1].At - sink.Requests[0].At;
        // RecordingHttpSink sends no Retry-After, so the policy's backoff applies (at least 50 ms of 100 ms).
        Assert.True(gap >= TimeSpan.FromMilliseconds(50), $"retried after {gap}");
    }

    [Fact]
    public async Task Send_ManyGroupsSeveralChannels_EveryGroupOnceOnEveryChannel()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url));
        var keys = Enumerable.Range(0, 15).Select(i => $"order-{i:00}").ToList();
        foreach (var k in keys)
        {
            using var r = await promoter.PostWebhookAsync("both", Group(k));
        }

        await promoter.WaitUntilAsync(() => sink.Requests.Count >= 30 && promoter.LoggedNotifications.Count >= 15,
            TimeSpan.FromSeconds(30), "30 webhook deliveries and 15 log lines");

        // Different groups are independent (their order across groups is not kept); each arrives once per channel.
        Assert.Equal(keys, sink.Requests.Where(r => r.Path == "/hook").Select(GroupKeyOf).Order(StringComparer.Ordinal));
        Assert.Equal(keys, sink.Requests.Where(r => r.Path == "/hook2").Select(GroupKeyOf).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task History_FiringThenResolved_TimelineListsAndCsvExport()
    {
        await using var sink = await RecordingHttpSink.StartAsync();
        await using var promoter = await PromoterProcess.StartAsync(Config(sink.Url));

        using var firing = await promoter.PostWebhookAsync("ops", Group("history-1", "firing", "00000000000000d1"));
        using var resolved = await promoter.PostWebhookAsync("ops", Group("history-1", "resolved", "00000000000000d1"));
        await promoter.WaitUntilAsync(() => sink.Requests.Count >= 2, TimeSpan.FromSeconds(20), "both deliveries");

        using var doc = JsonDocument.Parse(await promoter.Http.GetStringAsync("api/v1/alerts/00000000000000d1/history"));
        var changes = doc.RootElement.GetProperty("changes");
        Assert.Equal("firing", changes[0].GetProperty("status").GetString());
        Assert.Equal("resolved", changes[1].GetProperty("status").GetString());
        Assert.Equal("2026-11-21T22:45:02.568+00:00", changes[0].GetProperty("startsAt").GetString());
        Assert.Equal(JsonValueKind.Null, changes[0].GetProperty("endsAt").ValueKind);
        Assert.Equal("2026-11-21T22:45:20.568+00:00", changes[1].GetProperty("endsAt").GetString());

        var list = await promoter.Http.GetStringAsync("api/v1/alerts?status=resolved&receiver=ops");
        Assert.Contains("00000000000000d1", list, StringComparison.Ordinal);
        Assert.DoesNotContain("00000000000000d1", await promoter.Http.GetStringAsync("api/v1/alerts?status=firing"), StringComparison.Ordinal);
        var csv = await promoter.Http.GetStringAsync("api/v1/alerts?format=csv");
        Assert.StartsWith("fingerprint,receiver,alertname,status,", csv, StringComparison.Ordinal);
        Assert.Contains("00000000000000d1,ops,HighScrapeDuration,resolved,", csv, StringComparison.Ordinal);
        using var bad = await promoter.Http.GetAsync("api/v1/alerts?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var unknown = await promoter.Http.GetAsync("api/v1/alerts/ffffffffffffffff/history");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Render_PrometheusUnreachable_MessageStillSentWithNote()
    {
        var closedPort = FreePort.Next();
        await using var promoter = await PromoterProcess.StartAsync(ToolsTests.RenderingConfig($"http://127.0.0.1:{closedPort}", ", timeout: 2s"));

        using var r = await promoter.PostWebhookAsync("ops", Group("render-down"));
        await promoter.WaitUntilAsync(() => promoter.LoggedNotifications.Any(l => l.Contains("render-down", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the notification without its chart");

        var line = promoter.LoggedNotifications.First(l => l.Contains("render-down", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(line);
        Assert.Empty(doc.RootElement.GetProperty("Images").EnumerateArray());
        var note = Assert.Single(doc.RootElement.GetProperty("Notes").EnumerateArray()).GetString();
        Assert.StartsWith("chart for HighScrapeDuration unavailable:", note, StringComparison.Ordinal);
        Assert.Contains("promoter_renders_total{renderer=\"prom\",result=\"failed\"} 1", await promoter.Http.GetStringAsync("metrics"), StringComparison.Ordinal);
    }
}
