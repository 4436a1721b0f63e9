using System.Diagnostics;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Plugins;
using Promoter.Testing.FakeServers;
using Promoter.Testing.Infrastructure;
using Xunit;

namespace Promoter.Testing.Channels;

/// <summary>
/// The behaviour every HTTP channel must show, whatever the service: each HTTP status class classified
/// into the right <see cref="FailureReason"/>, the service's own error body on a 200 recognised, 429 with
/// and without Retry-After, a server that never answers and a refused connection both transient within
/// the configured timeout, and no secret in any result or log line. A channel's test class derives from
/// this and says how to point the channel at a raw server (<see cref="Settings"/>).
/// </summary>
public abstract class ChannelConformance : IAsyncLifetime
{
    /// <summary>The timeout the channel is configured with in these tests: generous, because test projects run
    /// in parallel on a small machine and a loaded loopback request can take a second or more.</summary>
    protected static readonly TimeSpan ConfiguredTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The timeout for the server-never-answers case, short so that the test is quick.</summary>
    protected static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);

    private ScriptedHttpServer? _server;

    protected ScriptedHttpServer Server => _server ?? throw new InvalidOperationException("server not started");

    /// <summary>The plugin under test (its Register is called as the host would).</summary>
    protected abstract IPromoterPlugin CreatePlugin();

    /// <summary>The channel's <c>type:</c>.</summary>
    protected abstract string ChannelType { get; }

    /// <summary>A valid configuration section sending everything to <paramref name="serverBaseUrl"/> (which ends
    /// with '/'), with <paramref name="timeout"/> as the request timeout, carrying <see cref="Secrets"/>.</summary>
    protected abstract SettingsMapping Settings(Uri serverBaseUrl, TimeSpan timeout);

    /// <summary>The secret values used in <see cref="Settings"/>: none may appear in results or logs.</summary>
    protected abstract IReadOnlyList<string> Secrets { get; }

    /// <summary>A response body meaning success.</summary>
    protected abstract (string Body, string ContentType) SuccessResponse { get; }

    /// <summary>The service's own error on HTTP 200 (DingTalk errcode, Slack ok:false) and how it must be
    /// classified; null for a service where a 2xx always means success.</summary>
    protected abstract (string Body, string ContentType, FailureReason Expected)? ServiceErrorResponse { get; }

    /// <summary>The expected classification of an HTTP status. Override only with a reason from the vendor's docs.</summary>
    protected virtual FailureReason ExpectedFor(int status) => status switch
    {
        401 or 403 => FailureReason.Auth,
        400 or 413 => FailureReason.InvalidRequest,
        429 => FailureReason.RateLimited,
        >= 500 => FailureReason.Transient,
        _ => FailureReason.Permanent,
    };

    /// <summary>The notification sent in these tests.</summary>
    protected virtual Notification Sample() => AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle);

    public async Task InitializeAsync() => _server = await ScriptedHttpServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_ServiceAnswersSuccess_Succeeds()
    {
        Server.Respond(200, SuccessResponse.Body, SuccessResponse.ContentType);
        var (result, _) = await SendAsync(Server.BaseUrl);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.NotEmpty(Server.Requests);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(413)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task Send_HttpErrorStatus_ClassifiedByStatus(int status)
    {
        Server.Respond(status, "error " + status, "text/plain");
        var (result, context) = await SendAsync(Server.BaseUrl);
        Assert.Equal(ExpectedFor(status), result.Failure);
        Assert.Equal(status, result.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        AssertNoSecrets(result, context);
    }

    [Fact]
    public async Task Send_ServiceErrorBodyOn200_ClassifiedByServiceCode()
    {
        if (ServiceErrorResponse is not { } error)
        {
            // No service-level error on 2xx for this kind of channel: any 2xx body is a success.
            Server.Respond(200, "{\"error\":\"whatever\"}", "application/json");
            var (ok, _) = await SendAsync(Server.BaseUrl);
            Assert.True(ok.IsSuccess, ok.ToString());
            return;
        }

        Server.Respond(200, error.Body, error.ContentType);
        var (result, context) = await SendAsync(Server.BaseUrl);
        Assert.Equal(error.Expected, result.Failure);
        AssertNoSecrets(result, context);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("120", 120)]
    public async Task Send_429WithRetryAfter_RateLimitedWithThatDelay(string header, int seconds)
    {
        Server.Respond(429, "slow down", "text/plain", new Dictionary<string, string> { ["Retry-After"] = header });
        var (result, context) = await SendAsync(Server.BaseUrl);
        Assert.Equal(FailureReason.RateLimited, result.Failure);
        Assert.Equal(TimeSpan.FromSeconds(seconds), result.RetryAfter);
        AssertNoSecrets(result, context);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("120", 120)]
    public async Task Send_503WithRetryAfter_TransientWithThatDelay(string header, int seconds)
    {
        Server.Respond(503, "maintenance", "text/plain", new Dictionary<string, string> { ["Retry-After"] = header });
        var (result, context) = await SendAsync(Server.BaseUrl);
        Assert.Equal(FailureReason.Transient, result.Failure);
        Assert.Equal(TimeSpan.FromSeconds(seconds), result.RetryAfter);
        AssertNoSecrets(result, context);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    public async Task Send_ServiceEchoesPathAndQuery_NoSecretInResultOrLogs(int status)
    {
        Server.RespondEchoingPathAndQuery(status);
        var (result, context) = await SendAsync(Server.BaseUrl);
        // Secrets holds the tokens themselves, not the URLs carrying them: an echo of the path and query must
        // not bring any of them back.
        AssertNoSecrets(result, context);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(200)]
    public async Task Send_ServiceAnswersHugeBody_ReadBoundedAndExcerptShort(int status)
    {
        const long offered = 200L * 1024 * 1024;
        await using var huge = HugeBodyServer.Start(status, offered);
        var (result, context) = await SendAsync(huge.BaseUrl);
        Assert.True(result.Message.Length < 2000, $"message of {result.Message.Length} characters");
        // What the client's socket accepted before it closed: its bounded read plus kernel buffers, not 200 MiB.
        await Task.Delay(200);
        Assert.True(huge.BytesSent < 16L * 1024 * 1024, $"the channel read {huge.BytesSent} bytes of {offered}");
        AssertNoSecrets(result, context);
    }

    [Fact]
    public async Task Send_AnyRequest_BodyHasContentLengthNotChunked()
    {
        Server.Respond(200, SuccessResponse.Body, SuccessResponse.ContentType);
        var (result, _) = await SendAsync(Server.BaseUrl);
        Assert.True(result.IsSuccess, result.ToString());
        foreach (var request in Server.Requests.Where(r => r.Method == "POST"))
        {
            Assert.True(request.Header("Content-Length") is not null, $"{request.Method} {request.PathAndQuery} went without Content-Length");
            Assert.Equal(request.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Header("Content-Length"));
        }
    }

    [Fact]
    public async Task Send_429WithoutRetryAfter_RateLimited()
    {
        Server.Respond(429, "slow down", "text/plain");
        var (result, _) = await SendAsync(Server.BaseUrl);
        Assert.Equal(FailureReason.RateLimited, result.Failure);
        Assert.True(result.IsRetryable);
    }

    [Fact]
    public async Task Send_ServerNeverAnswers_TransientWithinTimeout()
    {
        Server.NeverAnswer();
        using var context = new ChannelTestContext(CreatePlugin());
        var channel = context.Create(ChannelType, Settings(Server.BaseUrl, ShortTimeout));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Only the send is timed (not building the plugin's services), with room for a loaded machine's pauses:
        // a channel that ignored its timeout would wait for the caller's 30 s.
        var watch = Stopwatch.StartNew();
        var result = await channel.SendAsync(Sample(), cts.Token);
        watch.Stop();
        Assert.Equal(FailureReason.Transient, result.Failure);
        Assert.True(watch.Elapsed < ShortTimeout + TimeSpan.FromSeconds(8), $"took {watch.Elapsed}, timeout {ShortTimeout}");
        Assert.Contains("timed out", result.Message, StringComparison.OrdinalIgnoreCase);
        AssertNoSecrets(result, context);
    }

    [Fact]
    public async Task Send_ConnectionRefused_Transient()
    {
        var closed = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var (result, context) = await SendAsync(closed);
        Assert.Equal(FailureReason.Transient, result.Failure);
        AssertNoSecrets(result, context);
    }

    [Fact]
    public async Task Send_CallerCancels_Throws()
    {
        Server.NeverAnswer();
        using var context = new ChannelTestContext(CreatePlugin());
        var channel = context.Create(ChannelType, Settings(Server.BaseUrl, TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await channel.SendAsync(Sample(), cts.Token));
    }

    [Fact]
    public void Create_ValidSettings_NoErrorsAndSecretsRegistered()
    {
        using var context = new ChannelTestContext(CreatePlugin());
        var settings = SettingsBuilder.Settings(Settings(Server.BaseUrl, ConfiguredTimeout));
        settings.Ignore("type");
        var factory = context.Services.GetServicesOf<Abstractions.Channels.IChannelFactory>().Single(f => f.Type == ChannelType);
        var setup = new ChannelSetup { Name = "test", Settings = settings, Templates = context.Templates, Services = context.Services };
        Assert.Empty(factory.Validate(setup));
        settings.ReportUnknownKeys();
        Assert.Empty(settings.Diagnostics.Errors);
        Assert.IsAssignableFrom<IChannel>(factory.Create(setup));
        foreach (var secret in Secrets)
        {
            // Registered for redaction (a token may be registered as part of the URL that carries it).
            Assert.Contains(settings.Secrets, s => s.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>Sends <see cref="Sample"/> through a new channel pointed at <paramref name="baseUrl"/>.</summary>
    protected async Task<(DeliveryResult Result, ChannelTestContext Context)> SendAsync(Uri baseUrl, Notification? notification = null, TimeSpan? timeout = null)
    {
        var context = new ChannelTestContext(CreatePlugin());
        var channel = context.Create(ChannelType, Settings(baseUrl, timeout ?? ConfiguredTimeout));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await channel.SendAsync(notification ?? Sample(), cts.Token);
        return (result, context);
    }

    /// <summary>Fails when a secret appears in the result or in any log line.</summary>
    protected void AssertNoSecrets(DeliveryResult result, ChannelTestContext context)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(context);
        var logs = context.Logs.AllText;
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, result.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.ResumeToken ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.MessageId ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }
}

internal static class ServiceProviderExtensions
{
    public static IEnumerable<T> GetServicesOf<T>(this IServiceProvider services) =>
        (IEnumerable<T>?)services.GetService(typeof(IEnumerable<T>)) ?? [];
}
