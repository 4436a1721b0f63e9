using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;

namespace Promoter.Channel.Email.Tests;

/// <summary>
/// The channel conformance rules in SMTP terms (the shared <see cref="ChannelConformance"/> kit speaks HTTP):
/// reply classes (in <see cref="EmailChannelTests"/> against the real server), a server that never answers
/// and a refused connection both transient within the configured timeout, cancellation honoured, valid
/// settings accepted with the password registered as a secret, and no secret in any result or log line.
/// </summary>
public sealed class EmailConformanceTests
{
    private const string Password = "conformance-Smtp-Secret-42";

    private static SettingsMapping Settings(int port, TimeSpan timeout) => SettingsBuilder.FromPairs(
        ("host", "127.0.0.1"), ("port", port), ("tls", "implicit"), ("username", "alerts"), ("password", Password),
        ("from", "alerts@example.com"), ("to", "ops@example.com"), ("timeout", $"{(int)timeout.TotalMilliseconds}ms"));

    private static async Task<(DeliveryResult, ChannelTestContext)> SendAsync(int port, TimeSpan timeout, CancellationToken token = default)
    {
        var context = new ChannelTestContext(new EmailPlugin());
        var channel = context.Create("email", Settings(port, timeout));
        return (await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), token), context);
    }

    private static void AssertNoSecrets(DeliveryResult result, ChannelTestContext context)
    {
        Assert.DoesNotContain(Password, result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.MessageId ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(Password, context.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ServerNeverAnswers_TransientWithinTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptSocketAsync();
        var timeout = TimeSpan.FromSeconds(1);
        using var context = new ChannelTestContext(new EmailPlugin());
        var channel = context.Create("email", Settings(((IPEndPoint)silent.LocalEndpoint).Port, timeout));

        // Only the send is timed, not building the plugin's services: on a loaded machine that alone can take seconds.
        var watch = Stopwatch.StartNew();
        var result = await channel.SendAsync(AlertGroupSamples.Notify(AlertGroupSamples.FiringSingle, withImages: true), CancellationToken.None);
        watch.Stop();

        Assert.Equal(FailureReason.Transient, result.Failure);
        Assert.Contains("timed out", result.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(watch.Elapsed < timeout + TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        AssertNoSecrets(result, context);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task Send_ConnectionRefused_Transient()
    {
        var (result, context) = await SendAsync(FreePort.Next(), TimeSpan.FromSeconds(15));
        using var _ = context;

        Assert.Equal(FailureReason.Transient, result.Failure);
        Assert.Contains("127.0.0.1", result.Message, StringComparison.Ordinal);
        AssertNoSecrets(result, context);
    }

    [Fact]
    public async Task Send_CallerCancels_Throws()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SendAsync(((IPEndPoint)silent.LocalEndpoint).Port, TimeSpan.FromSeconds(30), cts.Token));
    }

    [Fact]
    public void Create_ValidSettings_NoErrorsPasswordRegisteredAndUploadsImages()
    {
        using var context = new ChannelTestContext(new EmailPlugin());
        var settings = SettingsBuilder.Settings(Settings(2525, TimeSpan.FromSeconds(10)));
        var factory = context.Services.GetServices<IChannelFactory>().Single(f => f.Type == "email");
        var channel = factory.Create(new ChannelSetup { Name = "test", Settings = settings, Templates = context.Templates, Services = context.Services });
        settings.ReportUnknownKeys();

        Assert.Empty(settings.Diagnostics.Errors);
        Assert.Contains(Password, settings.Secrets);
        Assert.True(channel.UploadsImages);
        Assert.Single(context.TemplateSources, s => s.Name == "Channel.Email/default.tmpl");
    }
}

internal static class ServiceProviderExtensions
{
    public static IEnumerable<T> GetServices<T>(this IServiceProvider services) =>
        (IEnumerable<T>?)services.GetService(typeof(IEnumerable<T>)) ?? [];
}
