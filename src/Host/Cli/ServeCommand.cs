using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Storage;
using Promoter.Host.Configuration;
using Promoter.Host.Metrics;
using Promoter.Host.Pipeline;
using Promoter.Host.Runtime;
using Promoter.Host.Web;
using Promoter.State;
using Promoter.State.Postgres;
using Promoter.State.Sqlite;

namespace Promoter.Host.Cli;

/// <summary><c>promoter serve</c>: the gateway.</summary>
internal static partial class ServeCommand
{
    public static async Task<int> RunAsync(string? configPath, ConfigOverrides overrides, CancellationToken cancellationToken)
    {
        // First, before the threads that render and store start allocating.
        var mallocTuning = GlibcMallocTuning.Apply();
        var loaded = ConfigLoader.Load(configPath, overrides);
        if (!loaded.IsValid)
        {
            foreach (var e in loaded.Diagnostics.Errors)
            {
                await Console.Error.WriteLineAsync(e.ToString());
            }

            await Console.Error.WriteLineAsync($"{loaded.Source}: {loaded.Diagnostics.Errors.Count} error(s); not starting. Run `promoter check-config` to check a file.");
            return 1;
        }

        var settings = loaded.Settings!;
        Directory.CreateDirectory(settings.DataDirectory);
        var app = Build(configPath, overrides, settings);
        // The exporter listens from the start: measurements taken before it exists would be lost.
        _ = app.Services.GetRequiredService<PrometheusTextExporter>();
        _ = app.Services.GetRequiredService<ProcessMetrics>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Promoter");

        var holder = app.Services.GetRequiredService<RuntimeHolder>();
        var errors = await holder.ReloadAsync(cancellationToken);
        if (errors.Count > 0)
        {
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync(e.ToString());
            }

            await Console.Error.WriteLineAsync($"{loaded.Source}: {errors.Count} error(s); not starting.");
            return 1;
        }

        try
        {
            await app.Services.GetRequiredService<IStateStore>().InitializeAsync(cancellationToken);
        }
        catch (StateStoreException e)
        {
            await Console.Error.WriteLineAsync($"cannot open the state store {settings.StateDescription}: {e.Message}");
            return 1;
        }

        MapImageFolders(app, holder.Current);
        app.Use(async (context, next) =>
        {
            var auth = holder.Current.Settings.Auth;
            if (WebhookAuthenticator.IsProtected(context.Request.Path, auth) && !WebhookAuthenticator.IsAuthorized(context.Request, auth))
            {
                var challenge = WebhookAuthenticator.Challenge(auth);
                if (challenge.Length > 0)
                {
                    context.Response.Headers.WWWAuthenticate = challenge;
                }

                context.Response.StatusCode = 401;
                await context.Response.WriteAsync($"missing or wrong credentials (auth.scope: {(auth.CoversEverything ? "all" : "tools")})\n", context.RequestAborted);
                return;
            }

            await next(context);
        });
        app.MapOperations();
        app.MapWebhooks();
        app.MapHistory();
        app.MapTools();
        app.MapTemplatePreview();
        app.MapGrafanaImages();
        app.MapUi();
        app.MapEvents();

        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
        {
            ctx.Cancel = true;
            _ = holder.ReloadAsync(CancellationToken.None);
        });

        LogStarting(logger, HostBootstrap.ThisVersion, settings.Listen, loaded.Source, settings.DataDirectory);
        foreach (var warning in ReplicaChecks.Warnings(settings))
        {
            LogConfigWarning(logger, warning);
        }

        if (mallocTuning.Count > 0)
        {
            LogMallocTuned(logger, string.Join(" ", mallocTuning));
        }
        await app.RunAsync(cancellationToken);
        return 0;
    }

    internal static WebApplication Build(string? configPath, ConfigOverrides overrides, HostSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Warning);

        ListenAddress.TryParse(settings.Listen, out var listen);
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (listen.Address is null)
            {
                k.ListenAnyIP(listen.Port);
            }
            else
            {
                k.Listen(listen.Address, listen.Port);
            }

            k.Limits.MaxRequestBodySize = Math.Max(settings.MaxBodyBytes, 1 << 20) * 2;
            k.AddServerHeader = false;
        });

        var services = builder.Services;
        services.AddPromoterCore();
        services.AddSingleton(sp => HostBootstrap.LoadPlugins(sp, settings, deferUnused: true));
        services.AddSingleton(sp => new RuntimeHolder(configPath, overrides, sp.GetRequiredService<Plugins.PluginCatalog>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<PromoterMetrics>(), sp.GetRequiredService<ILogger<RuntimeHolder>>()));
        services.AddSingleton<IStateStore>(sp => settings.PostgresConnectionString is { } postgres
            ? OpenPostgres(sp, postgres, settings.StateLease)
            : OpenSqlite(sp, settings.SqlitePath));
        // One store object plays every role; each consumer asks for the role it uses.
        services.AddSingleton<IOutbox>(sp => sp.GetRequiredService<IStateStore>());
        services.AddSingleton<IRenderedCharts>(sp => sp.GetRequiredService<IStateStore>());
        services.AddSingleton<IAlertHistory>(sp => sp.GetRequiredService<IStateStore>());
        services.AddSingleton<IAlertEvents>(sp => sp.GetRequiredService<IStateStore>());
        services.AddSingleton<HistoryEventSignal>();
        services.AddSingleton<IntakeSignal>();
        services.AddSingleton<ChartBytes>();
        services.AddSingleton<ChartStage>();
        services.AddSingleton<ChannelImages>();
        services.AddSingleton<ChannelPacing>();
        services.AddSingleton(sp => new SharedChannelSlots(sp.GetRequiredService<IStateStore>() as IChannelSlots));
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton<RenderAhead>();
        services.AddHostedService(sp => sp.GetRequiredService<RenderAhead>());
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        services.AddHostedService<MaintenanceService>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        return builder.Build();
    }

    // Each store opens in a method of its own that is never inlined, so that compiling the factory above does not read
    // the other store's code and load its driver: a process on SQLite never maps Npgsql (see PostgresConnection).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IStateStore OpenPostgres(IServiceProvider sp, string connectionString, TimeSpan lease) =>
        PostgresStateStore.Open(connectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresStateStore>>(),
            new PostgresStateStoreOptions { LeaseHeartbeat = lease });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IStateStore OpenSqlite(IServiceProvider sp, string path) =>
        SqliteStateStore.Open(path, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqliteStateStore>>());

    /// <summary>Serves the folders of image stores that asked the host to (a local store without public_url).</summary>
    private static void MapImageFolders(WebApplication app, PromoterRuntime runtime)
    {
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var store in runtime.Stores.Values.OfType<IHostServedImages>())
        {
            if (!mapped.Add(store.RequestPath))
            {
                continue;
            }

            Directory.CreateDirectory(store.DirectoryPath);
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(store.DirectoryPath),
                RequestPath = store.RequestPath,
                ServeUnknownFileTypes = false,
                OnPrepareResponse = ctx =>
                {
                    // Names are content hashes: a file never changes, so clients may cache it for good.
                    ctx.Context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                    ctx.Context.Response.Headers.XContentTypeOptions = "nosniff";
                },
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Promoter {Version} listening on {Listen} (config: {Source}, data: {DataDirectory})")]
    private static partial void LogStarting(ILogger logger, string version, string listen, string source, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Debug, Message = "C library heap tuned for a small footprint: {Settings} (set these environment variables to choose other values)")]
    private static partial void LogMallocTuned(ILogger logger, string settings);
}
