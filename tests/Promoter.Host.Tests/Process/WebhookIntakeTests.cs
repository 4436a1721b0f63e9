using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Process;

/// <summary>Promoter running as a process with the built-in log channel; captured Alertmanager requests as input.</summary>
public sealed class IntakeHost : IAsyncLifetime
{
    public const string Config = """
        channels:
          ops-log: { type: log }
          team-log: { type: log, path: team.jsonl }
        receivers:
          - name: ops-dingtalk
            channels: [ops-log]
          - name: team.a
            channels: [team-log]
        delivery: { dedupe_window: 10m }
        """;

    public PromoterProcess Promoter { get; private set; } = null!;

    public async Task InitializeAsync() => Promoter = await PromoterProcess.StartAsync(Config);

    public async Task DisposeAsync() => await Promoter.DisposeAsync();
}

public sealed class WebhookIntakeTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    private static string Fixture(string name) => File.ReadAllText(TestPaths.TestData("alertmanager-0.25", name));

    private static string WithGroupKey(string json, string key) =>
        json.Replace("\"groupKey\":\"{}:{alertname=\\\"HighScrapeDuration\\\"}\"", $"\"groupKey\":\"{key}\"", StringComparison.Ordinal);

    [Theory]
    [InlineData("webhook/{0}")]
    [InlineData("{0}/send")]
    [InlineData("dingtalk/{0}/send")]
    [InlineData("webhook")] // Promoter (Go): the receiver comes from the payload
    public async Task Post_CapturedFiring_AcceptedAndLoggedOnce(string route)
    {
        var key = $"route-{route.GetHashCode(StringComparison.Ordinal)}";
        using var response = await host.Promoter.PostWebhookAsync("ops-dingtalk", WithGroupKey(Fixture("firing-single.json"), key), route);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"accepted\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await host.Promoter.WaitUntilAsync(() => Lines(key).Count == 1, TimeSpan.FromSeconds(20), "the log channel's line");
        using var doc = JsonDocument.Parse(Lines(key)[0]);
        Assert.Equal("ops-dingtalk", doc.RootElement.GetProperty("Receiver").GetString());
        Assert.Equal("firing", doc.RootElement.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Post_SameGroupTwice_SecondIsDuplicateAndSentOnce()
    {
        var body = WithGroupKey(Fixture("firing-single.json"), "dedupe-test");

        using var first = await host.Promoter.PostWebhookAsync("ops-dingtalk", body);
        using var second = await host.Promoter.PostWebhookAsync("ops-dingtalk", body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("\"duplicate\"", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await host.Promoter.WaitUntilAsync(() => Lines("dedupe-test").Count >= 1, TimeSpan.FromSeconds(20), "the first delivery");
        await Task.Delay(1500);
        Assert.Single(Lines("dedupe-test"));
    }

    [Fact]
    public async Task Post_UnknownReceiver_404NamesConfiguredReceivers()
    {
        using var response = await host.Promoter.PostWebhookAsync("nobody", Fixture("firing-single.json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("receiver 'nobody' is not configured", body, StringComparison.Ordinal);
        Assert.Contains("ops-dingtalk, team.a", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RegexEscapedReceiverInPayload_RoutedToUnescapedName()
    {
        var body = WithGroupKey(Fixture("firing-single.json"), "escaped").Replace("\"receiver\":\"ops-dingtalk\"", "\"receiver\":\"team\\\\.a\"", StringComparison.Ordinal);

        using var response = await host.Promoter.PostWebhookAsync("team%5C.a", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var path = Path.Combine(host.Promoter.DataDirectory, "team.jsonl");
        await host.Promoter.WaitUntilAsync(() => File.Exists(path) && File.ReadAllText(path).Contains("escaped", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the team channel's line");
        Assert.Contains("\"Receiver\":\"team.a\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{\"status\":\"firing\"}", "alerts: missing or not a list")]
    [InlineData("{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":1}}]}", "alerts[0].labels.a: expected a string, found a number")]
    [InlineData("{\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"yesterday\"}]}", "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time")]
    [InlineData("{\"alerts\":[{\"status\":\"burning\"}]}", "alerts[0].status: 'burning' is neither firing nor resolved")]
    [InlineData("{\"version\":\"3\",\"alerts\":[]}", "version: '3' is not supported")]
    public async Task Post_MalformedBody_400NamesTheField(string body, string message)
    {
        using var response = await host.Promoter.PostWebhookAsync("ops-dingtalk", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthy_Ready_Metrics_Plugins_Answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await host.Promoter.Http.GetAsync("-/healthy")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Promoter.Http.GetAsync("-/ready")).StatusCode);
        var metrics = await host.Promoter.Http.GetStringAsync("metrics");
        Assert.Contains("# TYPE promoter_build_info gauge", metrics, StringComparison.Ordinal);
        Assert.Contains("promoter_config_last_reload_successful 1", metrics, StringComparison.Ordinal);
        Assert.Contains("promoter_plugins{state=\"failed\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("promoter_queue_depth", metrics, StringComparison.Ordinal);
        var plugins = await host.Promoter.Http.GetStringAsync("api/v1/plugins");
        Assert.Contains("\"channel:log\"", plugins, StringComparison.Ordinal);
        Assert.Contains("\"channel:dingtalk\"", plugins, StringComparison.Ordinal);
    }

    private List<string> Lines(string marker) =>
        host.Promoter.LoggedNotifications.Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList();
}

public sealed class WebhookAuthAndLimitTests
{
    private const string Config = """
        auth: { bearer_token: "t0ken-for-tests" }
        webhook: { max_body_bytes: 2048 }
        channels:
          ops-log: { type: log }
        receivers:
          - name: ops
            channels: [ops-log]
        """;

    [Fact]
    public async Task Post_AuthAndBodyLimit_401WithoutToken200WithIt413WhenTooLarge()
    {
        await using var promoter = await PromoterProcess.StartAsync(Config);
        var small = """{"receiver":"ops","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-21T22:45:02.568Z"}],"groupKey":"k"}""";

        using var missing = await promoter.PostWebhookAsync("ops", small);
        promoter.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        using var wrong = await promoter.PostWebhookAsync("ops", small);
        promoter.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken-for-tests");
        using var right = await promoter.PostWebhookAsync("ops", small);
        using var large = await promoter.PostWebhookAsync("ops", small.Replace("\"A\"", "\"" + new string('x', 4096) + "\"", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer realm=\"promoter\"", missing.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Contains("max_body_bytes", await large.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("t0ken-for-tests", promoter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_BadNewConfig_RejectedAndOldKeepsRunning()
    {
        await using var promoter = await PromoterProcess.StartAsync(Config.Replace("auth: { bearer_token: \"t0ken-for-tests\" }\n", "", StringComparison.Ordinal));
        await File.WriteAllTextAsync(promoter.ConfigPath, "receivers:\n  - name: ops\n    channels: [nope]\nbogus: 1\n");

        using var reload = await promoter.Http.PostAsync("-/reload", null);
        var body = await reload.Content.ReadAsStringAsync();
        using var stillWorks = await promoter.PostWebhookAsync("ops",
            """{"alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-21T22:45:02Z"}],"groupKey":"after-bad-reload"}""");
        var metrics = await promoter.Http.GetStringAsync("metrics");

        Assert.Equal(HttpStatusCode.BadRequest, reload.StatusCode);
        Assert.Contains("receivers[0].channels[0]: channel 'nope' is not defined", body, StringComparison.Ordinal);
        Assert.Contains("unknown key 'bogus'", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
        Assert.Contains("promoter_config_last_reload_successful 0", metrics, StringComparison.Ordinal);

        await File.WriteAllTextAsync(promoter.ConfigPath, Config.Replace("auth: { bearer_token: \"t0ken-for-tests\" }\n", "", StringComparison.Ordinal).Replace("name: ops", "name: ops2", StringComparison.Ordinal));
        using var good = await promoter.Http.PostAsync("-/reload", null);
        using var renamed = await promoter.PostWebhookAsync("ops2", """{"alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-21T22:45:02Z"}],"groupKey":"x"}""");
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
    }

    [Fact]
    public async Task Metrics_ProcessAndRuntimeSeries_MatchWhatProcfsSays()
    {
        await using var promoter = await PromoterProcess.StartAsync(Config.Replace("auth: { bearer_token: \"t0ken-for-tests\" }\n", "", StringComparison.Ordinal));

        var metrics = await promoter.Http.GetStringAsync("metrics");
        double Sample(string name) => double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1],
            System.Globalization.CultureInfo.InvariantCulture);
        var statusRss = long.Parse(File.ReadLines($"/proc/{promoter.ProcessId}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;

        Assert.Contains("# TYPE process_cpu_seconds_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE process_resident_memory_bytes gauge", metrics, StringComparison.Ordinal);
        Assert.InRange(Sample("process_resident_memory_bytes"), statusRss / 2.0, statusRss * 2.0);
        Assert.True(Sample("process_resident_memory_peak_bytes") >= Sample("process_resident_memory_bytes"));
        Assert.InRange(Sample("process_start_time_seconds"), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.InRange(Sample("process_open_fds"), 3, Sample("process_max_fds"));
        Assert.True(Sample("process_cpu_seconds_total") > 0);
        Assert.True(Sample("dotnet_gc_allocated_bytes_total") > 0);
        Assert.Contains("dotnet_gc_collections_total{generation=\"gen2\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sighup_ValidNewConfig_Applied()
    {
        await using var promoter = await PromoterProcess.StartAsync(Config.Replace("auth: { bearer_token: \"t0ken-for-tests\" }\n", "", StringComparison.Ordinal));
        await File.WriteAllTextAsync(promoter.ConfigPath, "channels:\n  l: { type: log }\nreceivers:\n  - name: after-hup\n    channels: [l]\n");

        using (var kill = System.Diagnostics.Process.Start("kill", ["-HUP", promoter.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        var status = HttpStatusCode.NotFound;
        for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            using var response = await promoter.PostWebhookAsync("after-hup", """{"alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-21T22:45:02Z"}],"groupKey":"x"}""");
            status = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task ScopeAll_ApiUiAndReloadNeedCredentials_HealthMetricsStayOpen()
    {
        await using var promoter = await PromoterProcess.StartAsync("""
            auth: { basic_auth: { username: am, password: pw-for-tests }, scope: all }
            channels:
              ops-log: { type: log }
            receivers:
              - name: ops
                channels: [ops-log]
            """);
        var paths = new[] { "api/v1/alerts", "api/v1/plugins", "", "alerts/0000000000000000" };

        foreach (var path in paths)
        {
            using var anonymous = await promoter.Http.GetAsync(path);
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"/{path} answered {anonymous.StatusCode} without credentials");
        }

        using (var reload = await promoter.Http.PostAsync("-/reload", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, reload.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await promoter.Http.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await promoter.Http.GetAsync("-/healthy")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await promoter.Http.GetAsync("-/ready")).StatusCode);
        promoter.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("am:pw-for-tests")));
        Assert.Equal(HttpStatusCode.OK, (await promoter.Http.GetAsync("api/v1/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await promoter.Http.GetAsync("")).StatusCode);
    }
}
