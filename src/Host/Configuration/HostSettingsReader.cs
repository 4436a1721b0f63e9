using Promoter.Abstractions.Configuration;

namespace Promoter.Host.Configuration;

/// <summary>
/// Reads the host's settings from the root mapping through the same <see cref="PluginSettings"/> getters the
/// plugins use, so unknown keys, bad durations and missing files are reported the same way everywhere.
/// </summary>
internal static class HostSettingsReader
{
    private static readonly string[] PluginKinds = ["renderers", "stores", "channels"];

    public static HostSettings Read(SettingsMapping root, ConfigDiagnostics diagnostics, ConfigOverrides overrides,
        Func<string, string> readSecretFile, string baseDirectory)
    {
        var s = new PluginSettings(root, "", diagnostics, readSecretFile);

        // Read the keys even when the command line overrides them, so that they are not reported as unknown.
        var listen = s.GetString("listen", ":8080");
        listen = overrides.Listen ?? listen;
        if (!ListenAddress.TryParse(listen, out _))
        {
            s.AddError("listen", $"'{listen}' is not a listen address", "write :8080, 127.0.0.1:8080 or [::1]:8080");
        }

        var dataDir = s.GetString("data_dir", "data");
        // data_dir: in the file is relative to the file's folder; --data, like every path flag, to the current directory.
        dataDir = overrides.DataDirectory is { } flag ? Path.GetFullPath(flag) : Path.GetFullPath(dataDir, baseDirectory);

        var publicUrl = s.GetUrl("public_url");
        var defaultPublic = new Uri($"http://localhost:{(ListenAddress.TryParse(listen, out var l) ? l.Port : 8080)}");

        var auth = ReadAuth(s.GetSection("auth"));

        var sqlite = Path.Combine(dataDir, "state.db");
        string? postgres = null;
        var sharedVolume = false;
        var lease = TimeSpan.FromSeconds(30);
        if (s.GetSection("state") is { } state)
        {
            lease = state.GetDuration("lease", lease, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10));
            var path = state.GetString("sqlite");
            var dsn = state.GetString("postgres");
            // password / password_file: read (and so registered as a secret, masked in errors) only with postgres.
            var password = state.GetSecret("password");
            sharedVolume = state.GetBool("shared_volume", false);
            if (dsn is not null && path is not null)
            {
                state.AddError("postgres", "both state.sqlite and state.postgres are set",
                    "keep state.postgres for several replicas, or state.sqlite for one process");
            }
            else if (dsn is not null)
            {
                if (State.Postgres.PostgresConnection.Validate(dsn) is { } problem)
                {
                    state.AddError("postgres", problem, "write state: { postgres: \"Host=db.example;Database=promoter;Username=promoter\", password_file: /run/secrets/pgpassword }");
                }
                else
                {
                    postgres = State.Postgres.PostgresConnection.Build(dsn, password);
                }
            }
            else if (password is not null)
            {
                state.AddError("password", "state.password is only used with state.postgres",
                    "remove it, or set state.postgres to the PostgreSQL connection string");
            }

            if (path is not null)
            {
                sqlite = Path.GetFullPath(path, dataDir);
            }
        }

        var pluginsDir = s.GetString("plugins_dir") is { } pd
            ? Path.GetFullPath(pd, baseDirectory)
            : Path.Combine(AppContext.BaseDirectory, "plugins");

        var templates = s.GetStringList("templates").Select(t => Path.GetFullPath(t, baseDirectory)).ToList();

        var webhook = s.GetSection("webhook");
        var maxBody = webhook?.GetInt("max_body_bytes", 1 << 20, 1024, 64 << 20) ?? 1 << 20;

        var delivery = new DeliverySettings();
        if (s.GetSection("delivery") is { } d)
        {
            delivery = new DeliverySettings
            {
                Deadline = d.GetDuration("deadline", delivery.Deadline, TimeSpan.FromSeconds(10)),
                Workers = d.GetInt("workers", delivery.Workers, 1, 256),
                DedupeWindow = d.GetDuration("dedupe_window", delivery.DedupeWindow, TimeSpan.Zero, TimeSpan.FromDays(1)),
                RenderTimeout = d.GetDuration("render_timeout", delivery.RenderTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
                InitialBackoff = d.GetDuration("initial_backoff", delivery.InitialBackoff, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
                MaxBackoff = d.GetDuration("max_backoff", delivery.MaxBackoff, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(6)),
            };
        }

        var retention = TimeSpan.FromDays(30);
        if (s.GetSection("history") is { } h)
        {
            retention = h.GetDuration("retention", retention, TimeSpan.FromHours(1));
        }

        var sections = new Dictionary<string, List<PluginSection>>();
        foreach (var kind in PluginKinds)
        {
            sections[kind] = ReadPluginSections(s, kind, diagnostics, readSecretFile);
        }

        var grafanaImages = ReadGrafanaImages(s.GetSection("grafana_images"), sections);

        var receivers = ReadReceivers(s, diagnostics, readSecretFile);
        CheckReferences(receivers, sections, diagnostics);

        s.ReportUnknownKeys();
        return new HostSettings
        {
            Listen = listen,
            PublicUrl = publicUrl ?? defaultPublic,
            PublicUrlIsPublic = publicUrl is not null,
            DataDirectory = dataDir,
            Auth = auth,
            SqlitePath = sqlite,
            PostgresConnectionString = postgres,
            ImagesOnSharedVolume = sharedVolume,
            StateLease = lease,
            PluginsDirectory = pluginsDir,
            TemplateGlobs = templates,
            MaxBodyBytes = maxBody,
            Delivery = delivery,
            HistoryRetention = retention,
            Renderers = sections["renderers"],
            Stores = sections["stores"],
            Channels = sections["channels"],
            Receivers = receivers,
            GrafanaImages = grafanaImages,
        };
    }

    /// <summary>
    /// <c>grafana_images: { renderer: grafana, store: local }</c> turns on grafana-images' API: the renderer must be a
    /// <c>type: grafana</c> one (it fetches or draws the panel), the store keeps the image with its own retention.
    /// </summary>
    private static GrafanaImagesSettings? ReadGrafanaImages(PluginSettings? g, Dictionary<string, List<PluginSection>> sections)
    {
        if (g is null)
        {
            return null;
        }

        var renderer = g.RequireString("renderer", "name a renderer of type grafana, such as renderer: grafana");
        var store = g.RequireString("store", "name the store that keeps the images, such as store: local");
        var section = renderer is null ? null : sections["renderers"].FirstOrDefault(r => r.Name == renderer);
        if (renderer is not null && section is null)
        {
            g.AddError("renderer", $"renderer '{renderer}' is not defined",
                "define it under renderers:, such as renderers: { grafana: { type: grafana, url: http://grafana:3000 } }");
            renderer = null;
        }
        else if (section is not null && section.Type != "grafana")
        {
            g.AddError("renderer", $"renderer '{renderer}' is of type {section.Type}; grafana-images needs a renderer of type grafana",
                $"name one of: {string.Join(", ", sections["renderers"].Where(r => r.Type == "grafana").Select(r => r.Name).DefaultIfEmpty("(none yet: add one with type: grafana)"))}");
            renderer = null;
        }

        if (store is not null && !sections["stores"].Any(st => st.Name == store))
        {
            g.AddError("store", $"store '{store}' is not defined",
                sections["stores"].Count == 0 ? "define it under stores: first" : $"use one of: {string.Join(", ", sections["stores"].Select(st => st.Name))}");
            store = null;
        }

        return renderer is null || store is null ? null : new GrafanaImagesSettings(renderer, store);
    }

    private static WebhookAuthSettings ReadAuth(PluginSettings? a)
    {
        if (a is null)
        {
            return new WebhookAuthSettings();
        }

        // tools (the default): the webhooks and the endpoints that run what a request sends (template preview)
        // or spend the operator's resources (render, which may write into a store).
        var scope = a.GetChoice("scope", "tools", "webhooks", "tools", "all");
        var bearer = a.GetSecret("bearer_token");
        string? user = null, password = null, headerName = null, headerValue = null;
        if (a.GetSection("basic_auth") is { } basic)
        {
            user = basic.RequireString("username", "write basic_auth: { username: alertmanager, password_file: /etc/promoter/password }");
            password = basic.RequireSecret("password", "give password or password_file");
        }

        if (a.GetSection("header") is { } header)
        {
            headerName = header.RequireString("name", "write header: { name: X-Promoter-Token, value_file: /etc/promoter/token }");
            headerValue = header.RequireSecret("value", "give value or value_file");
        }

        var count = (bearer is null ? 0 : 1) + (user is null ? 0 : 1) + (headerName is null ? 0 : 1);
        if (count > 1)
        {
            a.AddError("bearer_token", "more than one of bearer_token, basic_auth and header is set",
                "choose one authentication scheme to match Alertmanager's http_config");
        }

        return new WebhookAuthSettings
        {
            BearerToken = bearer,
            BasicUser = user,
            BasicPassword = password,
            HeaderName = headerName,
            HeaderValue = headerValue,
            CoversEverything = scope == "all",
            CoversTools = scope != "webhooks",
        };
    }

    private static List<PluginSection> ReadPluginSections(PluginSettings root, string kind, ConfigDiagnostics diagnostics,
        Func<string, string> readSecretFile)
    {
        root.Ignore(kind);
        var result = new List<PluginSection>();
        switch (root.Node[kind])
        {
            case null:
            case SettingsScalar { Value: null }:
                return result;
            case SettingsMapping map:
                foreach (var (name, node) in map.Entries)
                {
                    var path = $"{kind}.{name}";
                    if (node is not SettingsMapping section)
                    {
                        diagnostics.Add(node.Location, path, "expected a mapping with a type: key",
                            $"write {name}: {{ type: <plugin type>, … }}");
                        continue;
                    }

                    var settings = new PluginSettings(section, path, diagnostics, readSecretFile);
                    settings.Ignore("type");
                    var type = (section["type"] as SettingsScalar)?.Value;
                    if (string.IsNullOrWhiteSpace(type))
                    {
                        diagnostics.Add(section.Location, $"{path}.type", "'type' is required",
                            $"name the plugin that handles it, for example type: {ExampleType(kind)}");
                        continue;
                    }

                    result.Add(new PluginSection(kind, name, type.Trim().ToLowerInvariant(), settings));
                }

                return result;
            default:
                root.AddError(kind, $"'{kind}' must be a mapping of names to sections", $"write {kind}: {{ my-name: {{ type: {ExampleType(kind)}, … }} }}");
                return result;
        }
    }

    private static string ExampleType(string kind) => kind switch
    {
        "renderers" => "prometheus",
        "stores" => "local",
        _ => "dingtalk",
    };

    private static List<ReceiverSettings> ReadReceivers(PluginSettings root, ConfigDiagnostics diagnostics,
        Func<string, string> readSecretFile)
    {
        root.Ignore("receivers");
        var result = new List<ReceiverSettings>();
        switch (root.Node["receivers"])
        {
            case null:
            case SettingsScalar { Value: null }:
                return result;
            case SettingsSequence seq:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var path = $"receivers[{i}]";
                    if (seq.Items[i] is not SettingsMapping m)
                    {
                        diagnostics.Add(seq.Items[i].Location, path, "expected a mapping",
                            "write - name: <alertmanager receiver>\n    channels: [<channel>]");
                        continue;
                    }

                    var r = new PluginSettings(m, path, diagnostics, readSecretFile);
                    var name = r.RequireString("name", "give the Alertmanager receiver name; the webhook URL is /webhook/<name>");
                    var renderers = r.GetStringList("renderers");
                    if (r.GetString("renderer") is { } single)
                    {
                        if (renderers.Count > 0)
                        {
                            r.AddError("renderer", "both renderer and renderers are set", "keep one: renderers: [a, b] lists several in order");
                        }

                        renderers = [single];
                    }

                    var store = r.GetString("store");
                    var maxCharts = r.GetInt("max_charts", ReceiverSettings.DefaultMaxCharts, 0, 50);
                    TimeSpan? digestAfter = ReceiverSettings.DefaultDigestAfter;
                    if (r.GetString("digest_after") is "off" or "0" or "0s")
                    {
                        digestAfter = null;
                    }
                    else
                    {
                        digestAfter = r.GetDuration("digest_after", ReceiverSettings.DefaultDigestAfter, TimeSpan.FromSeconds(5), TimeSpan.FromHours(6));
                    }

                    var channels = r.GetStringList("channels");
                    if (channels.Count == 0)
                    {
                        r.AddError("channels", "a receiver needs at least one channel", "write channels: [<name of a channel under channels:>]");
                    }

                    if (name is not null && !seen.Add(name))
                    {
                        r.AddError("name", $"receiver '{name}' is defined twice", "keep one definition per receiver name");
                    }

                    r.ReportUnknownKeys();
                    if (name is not null)
                    {
                        var locations = m["channels"] is SettingsSequence cs ? cs.Items.Select(n => n.Location).ToList() : [];
                        result.Add(new ReceiverSettings(name, renderers, store, channels, m.Location, path)
                        {
                            ChannelLocations = locations,
                            MaxCharts = maxCharts,
                            DigestAfter = digestAfter,
                        });
                    }
                }

                return result;
            default:
                root.AddError("receivers", "'receivers' must be a list", "write receivers:\n  - name: ops\n    channels: [ops-ding]");
                return result;
        }
    }

    private static void CheckReferences(List<ReceiverSettings> receivers, Dictionary<string, List<PluginSection>> sections,
        ConfigDiagnostics diagnostics)
    {
        foreach (var r in receivers)
        {
            for (var i = 0; i < r.Renderers.Count; i++)
            {
                Check(r.Renderers[i], "renderers", r.Renderers.Count == 1 ? "renderer" : $"renderers[{i}]", "renderer");
            }

            Check(r.Store, "stores", "store", "store");
            for (var i = 0; i < r.Channels.Count; i++)
            {
                var name = r.Channels[i];
                if (!sections["channels"].Any(c => c.Name == name))
                {
                    diagnostics.Add(i < r.ChannelLocations.Count ? r.ChannelLocations[i] : r.Location, $"{r.Path}.channels[{i}]", $"channel '{name}' is not defined",
                        Known("channels", "channel"));
                }
            }

            void Check(string? name, string kind, string key, string what)
            {
                if (name is not null && !sections[kind].Any(c => c.Name == name))
                {
                    diagnostics.Add(r.Location, $"{r.Path}.{key}", $"{what} '{name}' is not defined", Known(kind, what));
                }
            }
        }

        string Known(string kind, string what) => sections[kind].Count == 0
            ? $"define it under {kind}: first"
            : $"use one of: {string.Join(", ", sections[kind].Select(s => s.Name))}";
    }
}

/// <summary>Command-line values that take precedence over the file.</summary>
internal sealed record ConfigOverrides(string? Listen = null, string? DataDirectory = null);
