using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Host;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Process;

/// <summary>
/// Promoter as a process (no auth:) with the log channel and a DingTalk robot whose "service" echoes the request's
/// path and query in its error body, as some gateways do: the robot's token comes back in pieces.
/// </summary>
public sealed class HostileInputHost : IAsyncLifetime
{
    public const string Token = "hostileAccessToken0123456789abcdef";
    public const string SigningSecret = "SEChostileSigningSecret0123456789";

    /// <summary>A channel template that would build a 100-million-character value.</summary>
    public const string BombTemplate = """{{ repeat 10000 (repeat 10000 "x") }}""";

    public PromoterProcess Promoter { get; private set; } = null!;
    public ScriptedHttpServer Echo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Echo = await ScriptedHttpServer.StartAsync();
        Echo.RespondEchoingPathAndQuery(404);
        Promoter = await PromoterProcess.StartAsync($$"""
            channels:
              ops-log: { type: log }
              ding: { type: dingtalk, url: "{{Echo.BaseUrl}}robot/send?access_token={{Token}}", secret: "{{SigningSecret}}" }
              bomb-log: { type: log, template: { profile: dingtalk, text: '{{BombTemplate}}' } }
            receivers:
              - name: ops
                channels: [ops-log]
              - name: ding
                channels: [ding]
              - name: bomb
                channels: [bomb-log]
            """);
    }

    public async Task DisposeAsync()
    {
        await Promoter.DisposeAsync();
        await Echo.DisposeAsync();
    }
}

public sealed class HostileInputTests(HostileInputHost host) : IClassFixture<HostileInputHost>
{
    private const string OneAlert = """{"version":"4","status":"firing","receiver":"ops","groupKey":"hostile","alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-21T22:45:02Z"}]}""";

    /// <summary>"\xFF" in a body stands for the byte 0xFF (never valid in UTF-8).</summary>
    private static byte[] Bytes(string body)
    {
        var parts = body.Split("\\xFF");
        var bytes = new List<byte>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                bytes.Add(0xFF);
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }

        return [.. bytes];
    }

    [Theory]
    // The webhook: what Alertmanager never sends is a 4xx with the reason, never a 500 (retried forever).
    [InlineData("webhook/ops", "application/json", """{"alerts":[{"labels":{"alertname":"\xFF"}}]}""", 400, "not valid UTF-8")]
    [InlineData("webhook/ops", "application/json", """{"alerts":[{"labels":{"alertname":"\ud800"}}]}""", 400, "lone")]
    [InlineData("webhook/ops", "application/json", """{"version":3,"alerts":[{"labels":{"alertname":"A"}}]}""", 400, "version: '3' is not supported")]
    [InlineData("webhook/ops", "application/json", """{"version":true,"alerts":[{"labels":{"alertname":"A"}}]}""", 400, "version: expected the string")]
    [InlineData("webhook/ops", "application/json", """{"version":"4","alerts":[]}""", 400, "alerts: the list is empty")]
    // A browser can POST cross-site without asking only as text/plain, a form or multipart (or with no type).
    [InlineData("webhook/ops", "", OneAlert, 415, "Content-Type must be application/json")]
    [InlineData("webhook/ops", "text/plain", OneAlert, 415, "Content-Type must be application/json")]
    [InlineData("webhook/ops", "application/x-www-form-urlencoded", OneAlert, 415, "Content-Type must be application/json")]
    [InlineData("ops/send", "multipart/form-data; boundary=x", OneAlert, 415, "Content-Type must be application/json")]
    [InlineData("webhook/ops", "application/json; charset=utf-16", OneAlert, 415, "Content-Type must be application/json")]
    // The tools.
    [InlineData("api/v1/render", "", """{"query":"up"}""", 415, "Content-Type must be application/json")]
    [InlineData("api/v1/render", "text/plain", """{"query":"up"}""", 415, "Content-Type must be application/json")]
    [InlineData("api/v1/render", "application/json", """{"query":"\xFF"}""", 400, "not valid")]
    [InlineData("api/v1/render", "application/json", "null", 400, "JSON null")]
    [InlineData("api/v1/templates/preview", "", """{"template":"x"}""", 415, "Content-Type must be application/json")]
    [InlineData("api/v1/templates/preview", "application/json", """{"template":"\ud800"}""", 400, "not valid")]
    [InlineData("api/v1/templates/preview", "application/json", """{"template":"{{ x"}""", 422, "template: preview:1:")]
    [InlineData("api/v1/templates/preview", "application/json", """{"template":"x","data":{"alerts":[]}}""", 400, "data: alerts: the list is empty")]
    // Templates sent by a request run within limits.
    [InlineData("api/v1/templates/preview", "application/json", """{"profile":"dingtalk","template":"{{ repeat 10000 (repeat 10000 \"x\") }}"}""", 422, "larger than")]
    [InlineData("api/v1/templates/preview", "application/json", """{"profile":"dingtalk","template":"{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}"}""", 422, "stopped after")]
    [InlineData("api/v1/templates/preview", "application/json", """{"template":"{{ range $i, $a := .Alerts }}{{ printf \"%9999999d\" 1 }}{{ end }}"}""", 422, "larger than")]
    // Reload: curl -X POST works; a page's form cannot.
    [InlineData("-/reload", "text/plain", "x", 415, "cross-site or form POST")]
    [InlineData("-/reload", "application/x-www-form-urlencoded", "a=b", 415, "cross-site or form POST")]
    public async Task Post_HostileRequest_4xxWithReason(string path, string contentType, string body, int status, string reason)
    {
        using var content = new ByteArrayContent(Bytes(body));
        if (contentType.Length > 0)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await host.Promoter.Http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        Assert.Contains(reason, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_CrossSiteOrigin_Refused_PlainCurlPostAccepted()
    {
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "-/reload");
        crossSite.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        using var refused = await host.Promoter.Http.SendAsync(crossSite);
        using var curl = await host.Promoter.Http.PostAsync("-/reload", null);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, curl.StatusCode);
    }

    [Fact]
    public async Task Preview_RepeatBombs_422QuicklyAndMemoryStaysBounded()
    {
        var before = RssBytes();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            using var response = await host.Promoter.Http.PostAsync("api/v1/templates/preview", new StringContent(
                """{"profile":"dingtalk","template":"{{ $x := repeat 1000 \"xxxxxxxxxx\" }}{{ range until 100000 }}{{ $x }}{{ end }}"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }

        var grown = RssBytes() - before;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.True(grown < 100L * 1024 * 1024, $"RSS grew by {grown / (1024 * 1024)} MiB");
    }

    [Fact]
    public async Task Metrics_RandomReceiverNames_NoSeriesFromTheUrl()
    {
        for (var i = 0; i < 50; i++)
        {
            using var r = await host.Promoter.PostWebhookAsync($"random-receiver-{i}-{new string('q', 200)}", OneAlert);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            using var bad = await host.Promoter.PostWebhookAsync($"bogus-{i}", "{ not json");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        var metrics = await host.Promoter.Http.GetStringAsync("metrics");
        var lines = metrics.Split('\n').Where(l => l.StartsWith("promoter_webhooks_received_total{", StringComparison.Ordinal)).ToList();

        Assert.DoesNotContain("random-receiver", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("bogus-", metrics, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("receiver=\"unknown\"", StringComparison.Ordinal) && l.Contains("result=\"unknown_receiver\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("receiver=\"unknown\"", StringComparison.Ordinal) && l.Contains("result=\"invalid\"", StringComparison.Ordinal));
        Assert.True(lines.Count < 20, $"{lines.Count} series:\n{string.Join('\n', lines)}");
    }

    [Fact]
    public async Task Delivery_ServiceEchoesPathAndQuery_TokenInNoLogApiOrPage()
    {
        var body = File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json"));
        using var response = await host.Promoter.PostWebhookAsync("ding", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var history = await host.Promoter.WaitForJsonAsync("api/v1/alerts/6b1410b0fcb84541/history",
            h => h.GetProperty("deliveries").EnumerateArray().Any(d => d.GetProperty("channel").GetString() == "ding"
                && d.GetProperty("lastError").ValueKind == JsonValueKind.String),
            TimeSpan.FromSeconds(60), "the ding delivery's recorded failure");
        var historyText = history.RootElement.GetRawText();
        var page = await host.Promoter.Http.GetStringAsync("alerts/6b1410b0fcb84541");
        var seen = string.Join('\n', host.Echo.Requests.Select(r => r.PathAndQuery));

        // The service did see the token (so the echo carried it back) ...
        Assert.Contains(HostileInputHost.Token, seen, StringComparison.Ordinal);
        Assert.Contains("no such robot", historyText, StringComparison.Ordinal);
        // ... and it went nowhere.
        foreach (var where in new[] { historyText, page, host.Promoter.Output })
        {
            Assert.DoesNotContain(HostileInputHost.Token, where, StringComparison.Ordinal);
            Assert.DoesNotContain(HostileInputHost.SigningSecret, where, StringComparison.Ordinal);
        }
    }

    // A channel's own template that breaches the execution limits is a template failure like any other: the
    // alert still goes out with the built-in text, and the fallback is counted per channel.
    [Fact]
    public async Task Delivery_ChannelTemplateOverLimits_BuiltInTextSentAndFallbackCounted()
    {
        using var response = await host.Promoter.PostWebhookAsync("bomb",
            """{"version":"4","status":"firing","receiver":"bomb","groupKey":"bomb","groupLabels":{"alertname":"Bomb"},"alerts":[{"status":"firing","labels":{"alertname":"Bomb"},"annotations":{"summary":"still delivered"},"startsAt":"2026-11-21T22:45:02Z"}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await host.Promoter.WaitUntilAsync(() => BombLines().Count > 0, TimeSpan.FromSeconds(60), "the bomb-log channel's notification");
        var logged = Assert.Single(BombLines());
        var text = logged.GetProperty("Text").GetString()!;
        var metrics = await host.Promoter.Http.GetStringAsync("metrics");

        Assert.StartsWith("(template failed; showing the built-in message)\n[FIRING] Bomb: still delivered", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxxxx", text, StringComparison.Ordinal);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("promoter_template_fallbacks_total{", StringComparison.Ordinal)
            && l.Contains("channel=\"bomb-log\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
    }

    private List<JsonElement> BombLines() => host.Promoter.LoggedNotifications.Select(l => JsonDocument.Parse(l).RootElement.Clone())
        .Where(e => e.GetProperty("Channel").GetString() == "bomb-log").ToList();

    private long RssBytes() => long.Parse(File.ReadLines($"/proc/{host.Promoter.ProcessId}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
}

/// <summary>auth.scope: which endpoints need the credentials besides the webhooks.</summary>
public sealed class AuthScopeTests
{
    private const string Token = "scope-t0ken-for-tests";

    private static string Config(string scope) => $$"""
        auth: { bearer_token: "{{Token}}"{{(scope.Length == 0 ? "" : ", scope: " + scope)}} }
        channels:
          ops-log: { type: log }
        receivers:
          - name: ops
            channels: [ops-log]
        """;

    // Nothing is labelled before auth: posts without credentials to random receiver names add no series.
    [Fact]
    public async Task Metrics_UnauthenticatedPostsToRandomNames_OneUnknownSeries()
    {
        await using var promoter = await PromoterProcess.StartAsync(Config(""));
        for (var i = 0; i < 30; i++)
        {
            using var r = await promoter.PostWebhookAsync($"{(i % 2 == 0 ? "ops" : "random-" + i)}-{new string('q', 100)}", """{"alerts":[]}""");
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        using var ops = await promoter.PostWebhookAsync("ops", """{"alerts":[]}""");
        Assert.Equal(HttpStatusCode.Unauthorized, ops.StatusCode);
        var metrics = await promoter.Http.GetStringAsync("metrics");
        var lines = metrics.Split('\n').Where(l => l.StartsWith("promoter_webhooks_received_total{", StringComparison.Ordinal)).ToList();

        Assert.DoesNotContain("random-", metrics, StringComparison.Ordinal);
        var line = Assert.Single(lines);
        Assert.Contains("receiver=\"unknown\"", line, StringComparison.Ordinal);
        Assert.Contains("result=\"unauthorized\"", line, StringComparison.Ordinal);
        Assert.EndsWith(" 31", line, StringComparison.Ordinal);
    }

    [Theory]
    // Default (tools): the preview runs a request's template, a render spends Prometheus time and store space.
    [InlineData("", "preview:401 preview+token:200 render:401 render+token:400")]
    [InlineData("all", "preview:401 preview+token:200 render:401")]
    // scope: webhooks keeps the tools open, but never lets an unauthenticated caller write into a store.
    [InlineData("webhooks", "preview:200 render:400 render-store:401 render-store+token:400 panel:400 panel-store:401 panel-store+token:400")]
    public async Task Tools_ByScope_CredentialsRequiredOrNot(string scope, string cases)
    {
        await using var promoter = await PromoterProcess.StartAsync(Config(scope));
        foreach (var c in cases.Split(' '))
        {
            var (request, expected) = (c.Split(':')[0], int.Parse(c.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            var (path, body) = request.Split('+')[0] switch
            {
                "preview" => ("api/v1/templates/preview", """{"template":"ok"}"""),
                "render" => ("api/v1/render", """{"query":"up"}"""),
                "panel" => ("api/v1/render", """{"dashboard":"rYdddlPWk","panelId":3}"""),
                "panel-store" => ("api/v1/render", """{"dashboard":"rYdddlPWk","panelId":3,"store":"local"}"""),
                _ => ("api/v1/render", """{"query":"up","store":"local"}"""),
            };
            using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (request.EndsWith("+token", StringComparison.Ordinal))
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            }

            using var response = await promoter.Http.SendAsync(message);

            // 400 once past auth: no renderer or store is configured here.
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == (int)response.StatusCode, $"scope '{scope}', {c}: answered {(int)response.StatusCode}: {text}");
            if (request == "panel")
            {
                Assert.Contains("no renderer of type grafana is configured", text, StringComparison.Ordinal);
            }
        }
    }
}
