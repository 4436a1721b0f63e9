using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Pipeline;
using Promoter.Host.Runtime;
using Promoter.State;
using Promoter.State.Sqlite;
using Promoter.Testing.Channels;
using Promoter.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Promoter.Host.Tests.Pipeline;

/// <summary>
/// The chart stage and the per-channel view of its charts: which channels get chart bytes (only those that upload,
/// only for images without a public URL), where the bytes come from (memory, else the store), that receivers without
/// an uploading channel hold none, and the chart budget (which alerts are drawn, by which renderers, how many).
/// </summary>
public sealed class ChartStageTests : IAsyncLifetime
{
    private static readonly byte[] Chart = Promoter.Testing.Storage.SampleImages.Png(1); // a real PNG: the host checks every image before a store sees it

    private sealed class OneChartRenderer : IAlertRenderer
    {
        public Task<IReadOnlyList<AlertImage>> RenderAsync(RenderRequest request, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AlertImage>>([new AlertImage("chart", Chart, "image/png", 800, 400)]);
    }

    /// <summary>Keeps images in a dictionary; reads back when it is a reader; its links are public or not.</summary>
    private class MemoryStore(bool isPublic) : IImageStore
    {
        public Dictionary<string, byte[]> Saved { get; } = [];
        public int Reads { get; set; }

        public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
        {
            var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content.Span)) + ".png";
            Saved[key] = content.ToArray();
            return Task.FromResult(new StoredImage(key, new Uri("http://localhost:8080/images/" + key)) { IsPublic = isPublic });
        }
    }

    private sealed class ReadableStore(bool isPublic, Exception? readFailure = null) : MemoryStore(isPublic), IImageReader
    {
        public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
        {
            Reads++;
            return readFailure is not null ? Task.FromException<byte[]?>(readFailure) : Task.FromResult(Saved.GetValueOrDefault(key));
        }
    }

    private sealed class FakeChannel(string name, bool uploads) : IChannel
    {
        public string Name => name;
        public bool UploadsImages => uploads;

        public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DeliveryResult.Success());
    }

    private readonly ManualTimeProvider _clock = new();
    private readonly CapturingLoggerProvider _logs = new();
    private ServiceProvider _services = null!;
    private SqliteStateStore _state = null!;

    public async Task InitializeAsync()
    {
        _services = HostBootstrap.CreateCliServices(LogLevel.None);
        _state = SqliteStateStore.Open(Path.Combine(TestPaths.NewTempDirectory("promoter-images"), "state.db"), _clock, null);
        await _state.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _state.DisposeAsync();
        await _services.DisposeAsync();
    }

    /// <summary>The chart stage with its byte cache and the per-channel view, as the host wires them.</summary>
    private sealed class Stages(ChartStage charts, ChannelImages view, ChartBytes bytes)
    {
        public long BytesHeld => bytes.Held;

        public async Task<(IReadOnlyList<NotificationImage> Images, IReadOnlyList<string> Notes)> GetAsync(long id, AlertGroup group,
            PromoterRuntime runtime, IChannel? channel = null)
        {
            var route = runtime.RouteFor("ops")!;
            var rendered = await charts.GetAsync(id, group, route, CancellationToken.None);
            return (channel is null ? [] : await view.ForChannelAsync(id, rendered, route, channel, CancellationToken.None), rendered.Notes);
        }
    }

    private Stages NewRenderer()
    {
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs));
        var bytes = new ChartBytes(_clock);
        return new Stages(new ChartStage(_state, bytes, _services.GetRequiredService<PromoterMetrics>(), factory.CreateLogger<ChartStage>()),
            new ChannelImages(bytes, factory.CreateLogger<ChannelImages>()), bytes);
    }

    private static PromoterRuntime Runtime(IImageStore store, params IChannel[] channels) =>
        Runtime(store, new Dictionary<string, IAlertRenderer> { ["prom"] = new OneChartRenderer() }, ReceiverSettings.DefaultMaxCharts, channels);

    private static PromoterRuntime Runtime(IImageStore store, Dictionary<string, IAlertRenderer> renderers, int maxCharts, params IChannel[] channels) =>
        Runtime(store, renderers, maxCharts, new DeliverySettings(), channels);

    private static PromoterRuntime Runtime(IImageStore store, Dictionary<string, IAlertRenderer> renderers, int maxCharts, DeliverySettings delivery,
        params IChannel[] channels) => new()
    {
        Settings = new HostSettings
        {
            Delivery = delivery,
            Receivers = [new ReceiverSettings("ops", renderers.Keys.ToList(), "images", channels.Select(c => c.Name).ToList(), new SourceLocation("test", 1, 1), "receivers[0]") { MaxCharts = maxCharts }],
        },
        Source = "test",
        LoadedAt = DateTimeOffset.UnixEpoch,
        Templates = null!,
        Renderers = renderers,
        Stores = new Dictionary<string, IImageStore> { ["images"] = store },
        Channels = channels.ToDictionary(c => c.Name, c => new ChannelInstance(c.Name, "fake", c)),
        Secrets = ["disk-s3cret"],
    };

    private Task<long> EnqueueAsync() => EnqueueAsync(AlertGroupSamples.FiringSingle);

    private async Task<long> EnqueueAsync(AlertGroup group)
    {
        var queued = await _state.EnqueueAsync(new NewGroup(group, "{}", ["up"], _clock.GetUtcNow(), DedupeKey.Compute(group), TimeSpan.FromMinutes(5)),
            CancellationToken.None);
        return queued.GroupId;
    }

    public static TheoryData<bool, bool, bool> ContentCases => new()
    {
        // uploads, public URL, expect bytes
        { true, false, true },
        { true, true, false },
        { false, false, false },
        { false, true, false },
    };

    [Theory]
    [MemberData(nameof(ContentCases))]
    public async Task GetAsync_ChannelAndUrlKind_BytesOnlyForUploadersOfPrivateImages(bool uploads, bool isPublic, bool expectBytes)
    {
        var store = new ReadableStore(isPublic);
        var channel = new FakeChannel("up", uploads);
        var runtime = Runtime(store, channel);
        var id = await EnqueueAsync();
        var images = NewRenderer();

        var (list, notes) = await images.GetAsync(id, AlertGroupSamples.FiringSingle, runtime, channel);

        Assert.Empty(notes);
        var image = Assert.Single(list);
        Assert.Equal(expectBytes ? Chart : [], image.Content.ToArray());
        Assert.Equal(0, store.Reads); // fresh bytes come from memory
    }

    /// <summary>Fails every save the way a store does: a refused image, or a store that cannot write.</summary>
    private sealed class FailingStore(Exception failure) : IImageStore
    {
        public Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
            Task.FromException<StoredImage>(failure);
    }

    public static TheoryData<string, string> SaveOutcomes => new() { { "stored", "stored" }, { "rejected", "rejected" }, { "io", "failed" } };

    [Theory]
    [MemberData(nameof(SaveOutcomes))]
    public async Task GetAsync_StoreOutcome_CountedPerStore(string kind, string outcome)
    {
        IImageStore store = kind switch
        {
            "stored" => new ReadableStore(isPublic: true),
            "rejected" => new FailingStore(new ImageRejectedException("the content is not a PNG")),
            _ => new FailingStore(new IOException("disk full")),
        };
        var runtime = Runtime(store, new FakeChannel("link", uploads: false));
        var exporter = _services.GetRequiredService<PrometheusTextExporter>();

        var (_, notes) = await NewRenderer().GetAsync(await EnqueueAsync(), AlertGroupSamples.FiringSingle, runtime);

        Assert.Contains($"promoter_store_saves_total{{outcome=\"{outcome}\",store=\"images\"}} 1\n", exporter.Collect(), StringComparison.Ordinal);
        Assert.Equal(outcome == "stored" ? 0 : 1, notes.Count);
    }

    [Fact]
    public async Task GetAsync_ReceiverWithoutUploadingChannel_HoldsNoBytes()
    {
        var store = new ReadableStore(isPublic: false);
        var runtime = Runtime(store, new FakeChannel("link", uploads: false), new FakeChannel("log", uploads: false));
        var images = NewRenderer();

        for (var i = 0; i < 5; i++)
        {
            await images.GetAsync(await EnqueueAsync(), AlertGroupSamples.FiringSingle, runtime);
        }

        Assert.Equal(0, images.BytesHeld);
    }

    [Fact]
    public async Task GetAsync_UploaderAfterRestart_BytesReadBackFromTheStore()
    {
        var store = new ReadableStore(isPublic: false);
        var channel = new FakeChannel("up", uploads: true);
        var runtime = Runtime(store, channel);
        var id = await EnqueueAsync();
        await NewRenderer().GetAsync(id, AlertGroupSamples.FiringSingle, runtime);

        // A new instance has nothing in memory, as after a restart: the rendered group is found in the state store.
        var (list, _) = await NewRenderer().GetAsync(id, AlertGroupSamples.FiringSingle, runtime, channel);

        Assert.Equal(Chart, Assert.Single(list).Content.ToArray());
        Assert.Equal(1, store.Reads);
        Assert.Single(store.Saved); // read back, not drawn and stored again
    }

    public static TheoryData<string> UnreadableCases => new() { "not a reader", "read fails" };

    [Theory]
    [MemberData(nameof(UnreadableCases))]
    public async Task GetAsync_UploaderAfterRestartStoreCannotGiveBytes_UrlOnlyAndNoSecretLogged(string kind)
    {
        IImageStore store = kind == "not a reader"
            ? new MemoryStore(isPublic: false)
            : new ReadableStore(isPublic: false, new IOException("disk-s3cret unreadable"));
        var channel = new FakeChannel("up", uploads: true);
        var runtime = Runtime(store, channel);
        var id = await EnqueueAsync();
        await NewRenderer().GetAsync(id, AlertGroupSamples.FiringSingle, runtime);

        var (list, _) = await NewRenderer().GetAsync(id, AlertGroupSamples.FiringSingle, runtime, channel);

        var image = Assert.Single(list);
        Assert.True(image.Content.IsEmpty);
        Assert.NotNull(image.Url);
        Assert.DoesNotContain("disk-s3cret", _logs.AllText, StringComparison.Ordinal);
        if (kind == "read fails")
        {
            Assert.Contains("could not be read back from images for an upload: *** unreadable", _logs.AllText, StringComparison.Ordinal);
        }
    }

    /// <summary>Draws one chart per alert, titled with the alert's name and the renderer's tag; counts its calls.</summary>
    private sealed class TaggingRenderer(string tag, int perAlert = 1) : IAlertRenderer
    {
        public List<string> Drawn { get; } = [];

        public Task<IReadOnlyList<AlertImage>> RenderAsync(RenderRequest request, CancellationToken cancellationToken)
        {
            lock (Drawn)
            {
                Drawn.Add(request.Alert.Name);
            }

            return Task.FromResult<IReadOnlyList<AlertImage>>(Enumerable.Range(0, perAlert)
                .Select(i => new AlertImage($"{request.Alert.Name}/{tag}{i}", Chart, "image/png", 800, 400)).ToList());
        }
    }

    /// <summary>A renderer whose backend never answers (Grafana's renderer stuck on a panel): it waits until it is cancelled.</summary>
    private sealed class HangingRenderer : IAlertRenderer
    {
        public async Task<IReadOnlyList<AlertImage>> RenderAsync(RenderRequest request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return [];
        }
    }

    [Fact]
    public async Task GetAsync_RendererNeverAnswers_NoChartAndANoteOnceTheRenderTimeoutRunsOut()
    {
        var runtime = Runtime(new ReadableStore(true), new Dictionary<string, IAlertRenderer> { ["grafana"] = new HangingRenderer() }, 4,
            new DeliverySettings { RenderTimeout = TimeSpan.FromSeconds(1) }, new FakeChannel("link", false));
        var group = GroupOf(NewAlert("Stuck", "firing", "critical"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (list, notes) = await NewRenderer().GetAsync(await EnqueueAsync(group), group, runtime, new FakeChannel("link", false));

        // delivery.render_timeout bounds the chart stage, so the text goes out without the chart instead of waiting.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Empty(list);
        Assert.Equal("chart for Stuck unavailable: rendering took longer than 1s", Assert.Single(notes));
        Assert.Contains(_logs.Logs, l => l.Message.Contains("not drawn by renderer grafana", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetForAlertsAsync_DigestShowsTwoOfFourAlerts_DrawsOnlyThoseAndTheGroupStillGetsAllItsCharts()
    {
        var renderer = new TaggingRenderer("p");
        var runtime = Runtime(new ReadableStore(true), new Dictionary<string, IAlertRenderer> { ["prom"] = renderer }, 6, new FakeChannel("link", false));
        var group = GroupOf(NewAlert("A", "firing", "info"), NewAlert("B", "firing", "critical"), NewAlert("C", "firing", "warning"),
            NewAlert("D", "firing", "critical"));
        var id = await EnqueueAsync(group);
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs));
        var stage = new ChartStage(_state, new ChartBytes(_clock), _services.GetRequiredService<PromoterMetrics>(), factory.CreateLogger<ChartStage>());
        var route = runtime.RouteFor("ops")!;

        var forDigest = await stage.GetForAlertsAsync(id, group, new HashSet<int> { 0, 3 }, route, CancellationToken.None);

        Assert.Equal(["D", "A"], renderer.Drawn); // the shown alerts only, most severe first
        Assert.Equal([0, 3], forDigest.Select(i => i.AlertIndex).Order());
        Assert.Null(await _state.GetRenderedGroupAsync(id, CancellationToken.None)); // not remembered as the group's charts

        // The group's own message draws all four; a later digest then takes the saved charts instead of drawing.
        var whole = await stage.GetAsync(id, group, route, CancellationToken.None);
        Assert.Equal(4, whole.Images.Count);
        renderer.Drawn.Clear();
        var again = await stage.GetForAlertsAsync(id, group, new HashSet<int> { 1 }, route, CancellationToken.None);
        Assert.Empty(renderer.Drawn);
        Assert.Equal(1, Assert.Single(again).AlertIndex);
    }

    private static Alert NewAlert(string name, string status, string severity, string? chart = null) => new()
    {
        Status = status,
        Labels = new Dictionary<string, string> { ["alertname"] = name, ["severity"] = severity },
        Annotations = chart is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [ChartBudget.ChartAnnotation] = chart },
        StartsAt = DateTimeOffset.UnixEpoch,
        Fingerprint = name,
    };

    private static AlertGroup GroupOf(params Alert[] alerts) => AlertGroupSamples.FiringSingle with { Alerts = alerts, GroupKey = "budget" };

    public static TheoryData<int, string[], string> BudgetCases => new()
    {
        // max_charts, alerts drawn (in drawing order), the note
        { 2, ["Crit", "Warn"], "+2 more charts not drawn (max_charts: 2)" },
        { 3, ["Crit", "Warn", "Info"], "+1 more chart not drawn (max_charts: 3)" },
        { 6, ["Crit", "Warn", "Info", "Gone"], "" },
        { 0, [], "" },
    };

    [Theory]
    [MemberData(nameof(BudgetCases))]
    public async Task GetAsync_ChartBudget_MostSevereFiringFirstAndTheRestNeverDrawn(int maxCharts, string[] drawn, string note)
    {
        var renderer = new TaggingRenderer("p");
        var runtime = Runtime(new ReadableStore(true), new Dictionary<string, IAlertRenderer> { ["prom"] = renderer }, maxCharts, new FakeChannel("link", false));
        // In the group's order: resolved critical, firing info, firing warning, firing critical, and one whose rule turns its chart off.
        var group = GroupOf(NewAlert("Gone", "resolved", "critical"), NewAlert("Info", "firing", "info"), NewAlert("Warn", "firing", "warning"),
            NewAlert("Crit", "firing", "critical"), NewAlert("Quiet", "firing", "critical", chart: "off"));

        var (list, notes) = await NewRenderer().GetAsync(await EnqueueAsync(group), group, runtime, new FakeChannel("link", false));

        Assert.Equal(drawn, renderer.Drawn);
        Assert.Equal(drawn.Length, list.Count);
        Assert.Equal(list.OrderBy(i => i.AlertIndex).Select(i => i.Title), list.Select(i => i.Title)); // sent in the group's order
        Assert.Equal(note, notes.SingleOrDefault() ?? "");
    }

    [Fact]
    public async Task GetAsync_SeveralRenderers_EachContributesInOrderWithinTheBudget()
    {
        var prom = new TaggingRenderer("prom");
        var grafana = new TaggingRenderer("grafana", perAlert: 2);
        var runtime = Runtime(new ReadableStore(true), new Dictionary<string, IAlertRenderer> { ["prom"] = prom, ["grafana"] = grafana }, 4,
            new FakeChannel("link", false));
        var group = GroupOf(NewAlert("A", "firing", "critical"), NewAlert("B", "firing", "warning"));

        var (list, notes) = await NewRenderer().GetAsync(await EnqueueAsync(group), group, runtime, new FakeChannel("link", false));

        Assert.Equal(["A/prom0", "A/grafana0", "A/grafana1", "B/prom0"], list.Select(i => i.Title));
        Assert.Equal(["A"], grafana.Drawn); // B's grafana charts were beyond the budget: never drawn
        Assert.Empty(notes);
    }
}
