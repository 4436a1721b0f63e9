using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Storage;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Pipeline;
using Promoter.Host.Plugins;
using Promoter.Host.Runtime;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Pipeline;

public sealed class RetentionAndRetirementTests
{
    private sealed class FakeStore(TimeSpan? retention, Exception? failure = null) : IImageStore, IImageRetention, IDisposable
    {
        public List<DateTimeOffset> Cutoffs { get; } = [];
        public bool Disposed { get; private set; }
        public TimeSpan? Retention => retention;

        public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
        {
            Cutoffs.Add(cutoff);
            return failure is null ? Task.FromResult(3) : Task.FromException<int>(failure);
        }

        public void Dispose() => Disposed = true;
    }

    /// <summary>A store that implements IImageRetention without saying how long to keep images.</summary>
    private sealed class NoRetentionStore : IImageStore, IImageRetention
    {
        public int Calls { get; private set; }

        public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(0);
        }
    }

    private static PromoterRuntime Runtime(IReadOnlyDictionary<string, IImageStore> stores) => new()
    {
        Settings = new HostSettings(),
        Source = "test",
        LoadedAt = DateTimeOffset.UnixEpoch,
        Templates = null!,
        Renderers = new Dictionary<string, Abstractions.Rendering.IAlertRenderer>(),
        Stores = stores,
        Channels = new Dictionary<string, ChannelInstance>(),
        Secrets = ["bucket-s3cret"],
    };

    [Fact]
    public async Task Sweep_EachStoreWithItsOwnRetention_OthersSkippedAndOneFailureStopsNothing()
    {
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        var week = new FakeStore(TimeSpan.FromDays(7));
        var failing = new FakeStore(TimeSpan.FromDays(1), new IOException("bucket-s3cret refused"));
        var day = new FakeStore(TimeSpan.FromDays(1));
        var unset = new FakeStore(null);
        var silent = new NoRetentionStore();
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        var exporter = services.GetRequiredService<PrometheusTextExporter>();

        var removed = await ImageRetentionSweep.RunAsync(Runtime(new Dictionary<string, IImageStore>
        {
            ["week"] = week, ["failing"] = failing, ["day"] = day, ["unset"] = unset, ["silent"] = silent,
        }), now, services.GetRequiredService<PromoterMetrics>(), factory.CreateLogger("test"), CancellationToken.None);

        Assert.Equal([now - TimeSpan.FromDays(7)], week.Cutoffs);
        Assert.Equal([now - TimeSpan.FromDays(1)], day.Cutoffs);
        Assert.Single(failing.Cutoffs);
        Assert.Empty(unset.Cutoffs);
        Assert.Equal(0, silent.Calls);
        Assert.Equal(6, removed);
        var metrics = exporter.Collect();
        Assert.Contains("promoter_store_deleted_total{store=\"week\"} 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("promoter_store_deleted_total{store=\"day\"} 3\n", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("store=\"failing\"", metrics, StringComparison.Ordinal);
        Assert.Contains("Image retention sweep of store failing failed: *** refused", logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("bucket-s3cret", logs.AllText, StringComparison.Ordinal);
    }

    private sealed class FakeStoreFactory : IImageStoreFactory
    {
        public List<FakeStore> Created { get; } = [];
        public string Type => "fake";

        public IReadOnlyList<Abstractions.Configuration.ConfigError> Validate(StoreSetup setup) => [];

        public IImageStore Create(StoreSetup setup)
        {
            var store = new FakeStore(null);
            Created.Add(store);
            return store;
        }
    }

    [Fact]
    public async Task Reload_ReplacedComponents_DisposedOnlyAfterTheGracePeriod()
    {
        var dir = TestPaths.NewTempDirectory("promoter-retire");
        var config = Path.Combine(dir, "config.yaml");
        await File.WriteAllTextAsync(config, "stores:\n  s: { type: fake }\nchannels:\n  l: { type: log }\nreceivers:\n  - name: r\n    channels: [l]\n");
        var clock = new ManualTimeProvider();
        using var services = HostBootstrap.CreateCliServices(LogLevel.None);
        var catalog = HostBootstrap.LoadPlugins(services, new HostSettings { DataDirectory = dir, PluginsDirectory = Path.Combine(dir, "none") });
        var stores = new FakeStoreFactory();
        catalog.Stores["fake"] = new Registered<IImageStoreFactory>(stores, "test", services);
        var holder = new RuntimeHolder(config, new ConfigOverrides(DataDirectory: dir), catalog, clock,
            services.GetRequiredService<PromoterMetrics>(), services.GetRequiredService<ILogger<RuntimeHolder>>());

        Assert.Empty(await holder.ReloadAsync());
        Assert.Empty(await holder.ReloadAsync());
        clock.Advance(RuntimeHolder.RetiredGrace - TimeSpan.FromMinutes(1));
        var disposedEarly = stores.Created[0].Disposed;
        clock.Advance(TimeSpan.FromMinutes(2));
        await holder.Retiring;

        Assert.Equal(2, stores.Created.Count);
        Assert.False(disposedEarly); // a delivery that started before the reload may still use it
        Assert.True(stores.Created[0].Disposed);
        Assert.False(stores.Created[1].Disposed); // the running configuration's store
    }
}
