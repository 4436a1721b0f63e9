using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Pipeline;
using Promoter.Host.Runtime;
using Promoter.Host.Web;
using Promoter.State;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Pipeline;

public sealed class WebhookFailureModesTests
{
    /// <summary>A state store whose writes fail, as when the disk is full or the database is locked too long.</summary>
    private sealed class UnavailableStore : IOutbox
    {
        private static Exception Down() => new StateStoreException("database is locked");
        public Task<int> RecoverAsync(CancellationToken ct) => Task.FromResult(0);
        public Task<int> ReleaseLeasesAsync(string owner, CancellationToken ct) => Task.FromResult(0);
        public Task<EnqueueResult> EnqueueAsync(NewGroup group, CancellationToken ct) => Task.FromException<EnqueueResult>(Down());
        public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, DateTimeOffset now, TimeSpan lease, string owner, CancellationToken ct) => Task.FromException<IReadOnlyList<ClaimedDelivery>>(Down());
        public Task MarkSucceededAsync(long deliveryId, int attempts, string? messageId, DateTimeOffset at, CancellationToken ct) => Task.FromException(Down());
        public Task MarkFailedAsync(long deliveryId, int attempts, string reason, string error, DateTimeOffset at, CancellationToken ct) => Task.FromException(Down());
        public Task RescheduleAsync(long deliveryId, int attempts, DateTimeOffset nextAttemptAt, string error, string? resumeToken, CancellationToken ct) => Task.FromException(Down());
        public Task<string?> GetLastMessageIdAsync(string channel, string groupKey, CancellationToken ct) => Task.FromException<string?>(Down());
        public Task DeferAsync(long deliveryId, DateTimeOffset until, CancellationToken ct) => Task.FromException(Down());
        public Task<IReadOnlyList<ClaimedDelivery>> ClaimBacklogAsync(string channel, int max, DateTimeOffset now, TimeSpan lease, string owner, CancellationToken ct) => Task.FromException<IReadOnlyList<ClaimedDelivery>>(Down());
        public Task MarkSentTogetherAsync(IReadOnlyList<long> deliveryIds, string note, DateTimeOffset at, CancellationToken ct) => Task.FromException(Down());
        public Task<QueueStats> GetQueueStatsAsync(DateTimeOffset now, CancellationToken ct) => Task.FromException<QueueStats>(Down());
    }

    [Fact]
    public async Task Post_StateStoreUnavailable_503WithRetryAfterSoAlertmanagerRetries()
    {
        var dir = TestPaths.NewTempDirectory("promoter-503");
        var config = Path.Combine(dir, "config.yaml");
        await File.WriteAllTextAsync(config, "channels:\n  log: { type: log }\nreceivers:\n  - name: ops\n    channels: [log]\n");
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddPromoterCore();
        builder.Services.AddSingleton<IOutbox, UnavailableStore>();
        builder.Services.AddSingleton<IntakeSignal>();
        builder.Services.AddSingleton(sp => HostBootstrap.LoadPlugins(sp, new HostSettings { DataDirectory = dir, PluginsDirectory = Path.Combine(dir, "none") }));
        builder.Services.AddSingleton(sp => new RuntimeHolder(config, new ConfigOverrides(DataDirectory: dir), sp.GetRequiredService<Promoter.Host.Plugins.PluginCatalog>(),
            TimeProvider.System, sp.GetRequiredService<PromoterMetrics>(), sp.GetRequiredService<ILogger<RuntimeHolder>>()));
        await using var app = builder.Build();
        Assert.Empty(await app.Services.GetRequiredService<RuntimeHolder>().ReloadAsync());
        app.MapWebhooks();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using var response = await http.PostAsync("webhook/ops",
            new StringContent(File.ReadAllText(TestPaths.TestData("alertmanager-0.25", "firing-single.json")), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Alertmanager will retry", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    public static TheoryData<string, string?, string?, bool> AuthCases => new()
    {
        { "none", null, null, true },
        { "bearer", "Authorization", "Bearer tok", true },
        { "bearer", "Authorization", "bearer tok", true },
        { "bearer", "Authorization", "Bearer tok2", false },
        { "bearer", "Authorization", "Basic dG9r", false },
        { "bearer", null, null, false },
        { "basic", "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("am:pw")), true },
        { "basic", "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("am:nope")), false },
        { "basic", "Authorization", "Basic !!notbase64", false },
        { "header", "X-Promoter-Token", "s3", true },
        { "header", "X-Promoter-Token", "s4", false },
        { "header", "Authorization", "Bearer s3", false },
    };

    [Theory]
    [MemberData(nameof(AuthCases))]
    public void IsAuthorized_Schemes_MatchOnlyTheConfiguredCredential(string scheme, string? header, string? value, bool expected)
    {
        var auth = scheme switch
        {
            "bearer" => new WebhookAuthSettings { BearerToken = "tok" },
            "basic" => new WebhookAuthSettings { BasicUser = "am", BasicPassword = "pw" },
            "header" => new WebhookAuthSettings { HeaderName = "X-Promoter-Token", HeaderValue = "s3" },
            _ => new WebhookAuthSettings(),
        };
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers[header] = value;
        }

        Assert.Equal(expected, WebhookAuthenticator.IsAuthorized(context.Request, auth));
    }
}
