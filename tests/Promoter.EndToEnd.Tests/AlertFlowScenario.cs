using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.EndToEnd.Tests;

/// <summary>
/// Runs the whole story once for the tests of <see cref="AlertFlowTests"/>: Prometheus scrapes gauges the test
/// flips, two alerts fire and go through Alertmanager to Promoter's receivers team-a (DingTalk + local store
/// behind nginx) and team-b (Slack + S3 presigned). Then the chat services go down (503), the alerts resolve,
/// Promoter acknowledges the resolved notifications, is killed with SIGKILL, the services come back and
/// Promoter restarts: the resolved notifications must still arrive, once.
/// </summary>
public sealed partial class AlertFlowScenario : IAsyncLifetime
{
    public const string QueueAlert = "E2EQueueBacklog";
    public const string QueueMetric = "e2e_queue_depth";
    public const string ErrorAlert = "E2EErrorRatio";
    public const string ErrorMetric = "e2e_error_ratio";
    public const string SlackChannel = "C0ALERTS";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private MetricsTarget? _target;
    private PrometheusServer? _prometheus;
    private AlertmanagerServer? _alertmanager;
    private NginxServer? _nginx;
    private S3Server? _s3;

    public FakeDingTalkServer DingTalk { get; private set; } = null!;
    public FakeSlackServer Slack { get; private set; } = null!;
    public ChannelGate DingTalkGate { get; private set; } = null!;
    public ChannelGate SlackGate { get; private set; } = null!;
    public PromoterProcess Promoter { get; private set; } = null!;
    public NginxServer Nginx => _nginx!;
    public S3Server S3 => _s3!;

    public DateTimeOffset FlippedUpAt { get; private set; }
    public DateTimeOffset FlippedDownAt { get; private set; }

    /// <summary>DingTalk messages and Slack state right after the firing notifications arrived.</summary>
    public IReadOnlyList<DingTalkReceivedMessage> DingTalkAfterFiring { get; private set; } = [];
    public IReadOnlyList<SlackPostedMessage> SlackAfterFiring { get; private set; } = [];

    /// <summary>Delivery attempts the closed gates refused before the kill (proof the outbox held them).</summary>
    public int DingTalkRefusedBeforeKill { get; private set; }
    public int SlackRefusedBeforeKill { get; private set; }

    /// <summary>Every image URL the channels received, with the bytes fetched from it.</summary>
    public Dictionary<Uri, FetchedImage> Images { get; } = [];

    public Dictionary<string, AlertHistoryDto> Histories { get; } = new(StringComparer.Ordinal);
    public List<AlertRecordDto> Alerts { get; private set; } = [];
    public TimeSpan Elapsed { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var published = await PublishedPromoter.GetFolderAsync();

        _target = Own(await MetricsTarget.StartAsync(new Dictionary<string, double> { ["e2e_queue_depth"] = 1, ["e2e_error_ratio"] = 0.1 }));
        DingTalk = Own(await FakeDingTalkServer.StartAsync(accessToken: "e2e-ding-token", secret: "SECe2e0123456789abcdef"));
        Slack = Own(await FakeSlackServer.StartAsync(token: "xoxb-e2e-slack-token", channels: [SlackChannel]));
        DingTalkGate = Own(await ChannelGate.StartAsync(DingTalk.BaseUrl));
        SlackGate = Own(await ChannelGate.StartAsync(Slack.BaseUrl));
        _nginx = Own(await NginxServer.StartAsync());
        _s3 = Own(await S3Server.StartAsync());

        var data = TestPaths.NewTempDirectory("promoter-e2e-data");
        var webhookToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(Path.Combine(data, "webhook-token"), webhookToken);
        await File.WriteAllTextAsync(Path.Combine(data, "ding-url"), $"{DingTalkGate.BaseUrl}robot/send?access_token={DingTalk.AccessToken}");
        await File.WriteAllTextAsync(Path.Combine(data, "ding-secret"), DingTalk.Secret);
        await File.WriteAllTextAsync(Path.Combine(data, "slack-token"), Slack.Token);

        // Prometheus is started last (it needs Alertmanager's address) but Promoter needs Prometheus's address:
        // reserve its port first.
        var prometheusPort = FreePort.Next();
        var config = (await File.ReadAllTextAsync(TestPaths.TestData("e2e", "promoter.yaml")))
            .Replace("__PROMETHEUS__", $"127.0.0.1:{prometheusPort}", StringComparison.Ordinal)
            .Replace("__IMAGES__", _nginx.ImageDirectory, StringComparison.Ordinal)
            .Replace("__NGINX__", $"127.0.0.1:{_nginx.Port}", StringComparison.Ordinal)
            .Replace("__S3__", $"127.0.0.1:{_s3.Port}", StringComparison.Ordinal)
            .Replace("__SLACK__", $"127.0.0.1:{SlackGate.Port}", StringComparison.Ordinal);
        Promoter = Own(await PromoterProcess.StartAsync(config, data, hostDirectory: published));

        _alertmanager = Own(await AlertmanagerServer.StartAsync($"127.0.0.1:{Promoter.Port}", webhookToken));
        _prometheus = Own(await PrometheusServer.StartAsync(_alertmanager.HostAndPort, _target.HostAndPort, prometheusPort));

        // Let Prometheus scrape the low values first, so the chart has history on both sides of the threshold.
        await WaitUntilAsync(async () => await PrometheusHasSeriesAsync(), "Prometheus to scrape the e2e target");

        FlippedUpAt = DateTimeOffset.UtcNow;
        _target.Set("e2e_queue_depth", 10);
        _target.Set("e2e_error_ratio", 0.9);

        await WaitUntilAsync(() => Task.FromResult(DingTalk.Messages.Count >= 1 && TopLevelSlackMessages().Count >= 1
                                                   && Slack.Calls.Count(c => c.Method == "chat.postMessage" && c.Ok) >= 1),
            "the firing notifications in DingTalk and Slack");
        DingTalkAfterFiring = DingTalk.Messages;
        SlackAfterFiring = Slack.Messages;

        // The chat services go down; the alerts resolve; Promoter acknowledges both resolved notifications
        // (they are in its outbox) and fails to deliver them.
        DingTalkGate.Open = false;
        SlackGate.Open = false;
        FlippedDownAt = DateTimeOffset.UtcNow;
        _target.Set("e2e_queue_depth", 1);
        _target.Set("e2e_error_ratio", 0.1);

        await WaitUntilAsync(async () => (await GetAlertsAsync("resolved")).Count >= 2, "Promoter to accept both resolved notifications");
        await WaitUntilAsync(() => Task.FromResult(DingTalkGate.Refused >= 1 && SlackGate.Refused >= 1), "Promoter to try the resolved deliveries");
        DingTalkRefusedBeforeKill = DingTalkGate.Refused;
        SlackRefusedBeforeKill = SlackGate.Refused;

        await Promoter.KillAsync();
        DingTalkGate.Open = true;
        SlackGate.Open = true;
        await Promoter.KillAndRestartAsync();

        await WaitUntilAsync(() => Task.FromResult(DingTalk.Messages.Count >= 2
                                                   && Slack.Calls.Any(c => c.Method == "chat.update" && c.Ok)
                                                   && Slack.Messages.Any(m => m.ThreadTs is not null)),
            "the resolved notifications after the restart");

        // Anything sent twice would arrive within a few retry intervals and Alertmanager group intervals.
        await Task.Delay(TimeSpan.FromSeconds(4));

        Alerts = await GetAlertsAsync(null);
        foreach (var alert in Alerts)
        {
            Histories[alert.AlertName] = (await Promoter.GetJsonAsync<AlertHistoryDto>($"api/v1/alerts/{alert.Fingerprint}/history"))!;
        }

        // The firing messages as first posted, and the final ones (the resolved Slack update links a new chart).
        foreach (var url in DingTalk.Messages.SelectMany(m => MarkdownImages().Matches(m.Text).Select(x => new Uri(x.Groups["url"].Value)))
                     .Concat(Slack.Messages.Concat(SlackAfterFiring).SelectMany(SlackImageUrls)).Distinct())
        {
            using var response = await _http.GetAsync(url);
            Images[url] = new FetchedImage((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                await response.Content.ReadAsByteArrayAsync());
        }

        Elapsed = clock.Elapsed;
    }

    public IReadOnlyList<SlackPostedMessage> TopLevelSlackMessages() =>
        Slack.Messages.Where(m => m.ThreadTs is null).ToList();

    public static IEnumerable<Uri> SlackImageUrls(SlackPostedMessage message) =>
        SlackImageBlocks(message).Select(b => new Uri(b["image_url"]!.GetValue<string>()));

    public static IEnumerable<JsonObject> SlackImageBlocks(SlackPostedMessage message) =>
        message.BlocksJson is null
            ? []
            : (JsonNode.Parse(message.BlocksJson) as JsonArray ?? []).OfType<JsonObject>()
                .Where(b => b["type"]?.GetValue<string>() == "image" && b["image_url"] is not null);

    [GeneratedRegex(@"!\[(?<title>[^\]]*)\]\((?<url>[^)\s]+)\)")]
    public static partial Regex MarkdownImages();

    private async Task<bool> PrometheusHasSeriesAsync()
    {
        try
        {
            var body = await _http.GetStringAsync(new Uri($"http://{_prometheus!.HostAndPort}/api/v1/query?query=e2e_queue_depth"));
            return body.Contains("\"result\":[{", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<List<AlertRecordDto>> GetAlertsAsync(string? status)
    {
        try
        {
            return await Promoter.Http.GetFromJsonAsync<List<AlertRecordDto>>(status is null ? "api/v1/alerts" : $"api/v1/alerts?status={status}", Json) ?? [];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private Task WaitUntilAsync(Func<Task<bool>> condition, string what) =>
        Eventually.HoldsAsync(condition, StepTimeout, TimeSpan.FromMilliseconds(200),
            () => $"timed out after {StepTimeout.TotalSeconds}s waiting for {what}.\n{Diagnostics()}");

    /// <summary>What every component said, for failure messages.</summary>
    public string Diagnostics()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"DingTalk: {DingTalk?.Requests.Count} requests, answers [{string.Join(",", DingTalk?.Answers ?? [])}], {DingTalk?.Messages.Count} accepted");
        sb.AppendLine($"Slack calls: {string.Join(", ", Slack?.Calls.Select(c => $"{c.Method}:{(c.Ok ? "ok" : c.ResponseBody)}") ?? [])}");
        sb.AppendLine("--- Promoter ---").AppendLine(Tail(Promoter?.Output));
        sb.AppendLine("--- Alertmanager ---").AppendLine(Tail(_alertmanager?.Output));
        sb.AppendLine("--- Prometheus ---").AppendLine(Tail(_prometheus?.Output));
        sb.AppendLine("--- nginx error log ---").AppendLine(Tail(_nginx?.ErrorLog));
        return sb.ToString();

        static string Tail(string? s) => s is null ? "(not started)" : s.Length > 6000 ? s[^6000..] : s;
    }

    private T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }
}

public sealed record FetchedImage(int Status, string? ContentType, byte[] Content);

public sealed record AlertRecordDto(string Fingerprint, string Receiver, string AlertName, string Status,
    Dictionary<string, string> Labels, DateTimeOffset StartsAt, DateTimeOffset? EndsAt, int Notifications);

public sealed record AlertHistoryDto(string Fingerprint, string AlertName, List<AlertStateChangeDto> Changes,
    List<DeliveryRecordDto> Deliveries);

public sealed record AlertStateChangeDto(long GroupId, string Receiver, string Status, DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt, DateTimeOffset ReceivedAt, bool IsRepeat);

public sealed record DeliveryRecordDto(long DeliveryId, long GroupId, string Channel, string Receiver, string State,
    int Attempts, string? MessageId, string? LastError);
