using System.Text;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Model;
using Promoter.Abstractions.Templating;
using Promoter.Host.Cli;
using Promoter.Templating;
using Promoter.Templating.Alertmanager;
using TemplateException = Promoter.Abstractions.Templating.TemplateException;

namespace Promoter.Host.Templates;

/// <summary>
/// The host's <see cref="ITemplateRenderer"/>: Promoter.Templating's Go text/template engine with the
/// template set built in this order (a later definition replaces an earlier one, as in Alertmanager):
/// Alertmanager's defaults, the host's own, every plugin's shipped templates, then the operator's files.
/// One set per function profile is parsed at (re)load; each field text is parsed once on a clone of it.
/// </summary>
internal sealed class GoTemplateRenderer : ITemplateRenderer
{
    private readonly Dictionary<string, TemplateSet> _sets;

    private GoTemplateRenderer(Dictionary<string, TemplateSet> sets) => _sets = sets;

    public static GoTemplateRenderer Create(IEnumerable<TemplateSource> pluginSources, IReadOnlyList<string> userGlobs,
        ConfigDiagnostics diagnostics, SourceLocation configLocation)
    {
        var sources = new List<TemplateSource> { new("Promoter.Host/host.tmpl", HostTemplate.Value) };
        sources.AddRange(pluginSources);
        for (var i = 0; i < userGlobs.Count; i++)
        {
            var files = TemplateCommand.Expand(userGlobs[i]).ToList();
            if (files.Count == 0)
            {
                diagnostics.Add(configLocation, $"templates[{i}]", $"no file matches '{userGlobs[i]}'", "check the path; relative paths are resolved from the configuration file's folder");
            }

            foreach (var file in files)
            {
                try
                {
                    sources.Add(new TemplateSource(file, File.ReadAllText(file)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    diagnostics.Add(configLocation, $"templates[{i}]", $"cannot read {file}: {e.Message}", "check the file's permissions");
                }
            }
        }

        // Each profile's set gets every file that parses with that profile's functions: a
        // prometheus-webhook-dingtalk file using `markdown` or Sprig belongs to the dingtalk set only. A file
        // is a configuration error only when it parses with no profile at all (a syntax error, or a function
        // that exists nowhere), reported with the default profile's message.
        var profiles = new[] { (TemplateProfiles.Alertmanager, FunctionProfile.Alertmanager), (TemplateProfiles.DingTalk, FunctionProfile.DingTalk) };
        var sets = new Dictionary<string, TemplateSet>(StringComparer.Ordinal);
        var failures = new Dictionary<string, List<Templating.TemplateException>>(StringComparer.Ordinal);
        foreach (var (name, profile) in profiles)
        {
            var set = DefaultTemplates.CreateSet(profile);
            var profileSources = sources;
            if (profile == FunctionProfile.DingTalk)
            {
                // Drop-in: Promoter (Go)'s dingtalk.default.* win over the DingTalk plugin's in this profile (the one
                // migrated configurations use); the operator's files still come last.
                profileSources = [.. sources.Take(1 + pluginSources.Count()), new TemplateSource("promoter-go-dingtalk.tmpl", DefaultTemplates.PromoterGoDingTalk),
                    .. sources.Skip(1 + pluginSources.Count())];
            }

            foreach (var source in profileSources)
            {
                try
                {
                    set.Parse(source.Name, source.Text);
                }
                catch (Templating.TemplateException e)
                {
                    if (!failures.TryGetValue(source.Name, out var list))
                    {
                        failures[source.Name] = list = [];
                    }

                    list.Add(e);
                }
            }

            sets[name] = set;
        }

        foreach (var (source, errors) in failures)
        {
            if (errors.Count == profiles.Length)
            {
                var e = errors[0];
                diagnostics.Add(new SourceLocation(source, e.Line, e.Column), "templates", e.Message,
                    "fix the template file (functions come from the alertmanager or the dingtalk profile)");
            }
        }

        return new GoTemplateRenderer(sets);
    }

    public ICompiledTemplate Compile(string name, string text, string profile = TemplateProfiles.Alertmanager)
    {
        if (!_sets.TryGetValue(profile, out var baseSet))
        {
            throw new TemplateException($"{name}: unknown template profile '{profile}'; use {TemplateProfiles.Alertmanager} or {TemplateProfiles.DingTalk}");
        }

        var set = baseSet.Clone();
        try
        {
            set.Parse(name, text);
        }
        catch (Templating.TemplateException e)
        {
            throw new TemplateException(e.Message, e);
        }

        return new Compiled(name, set);
    }

    public ICompiledTemplate CompileHtml(string name, string text, string profile = TemplateProfiles.Alertmanager)
    {
        if (!_sets.TryGetValue(profile, out var baseSet))
        {
            throw new TemplateException($"{name}: unknown template profile '{profile}'; use {TemplateProfiles.Alertmanager} or {TemplateProfiles.DingTalk}");
        }

        var set = baseSet.Clone();
        try
        {
            set.Parse(name, text);
            // Escaped once here, for every later render (html/template escapes on first execution).
            return new Compiled(name, set.EscapeHtml(name));
        }
        catch (Templating.TemplateException e)
        {
            throw new TemplateException(e.Message, e);
        }
    }

    private sealed class Compiled(string name, TemplateSet set) : ICompiledTemplate
    {
        public string Name => name;

        public string Render(TemplateInput input) => Render(input, CancellationToken.None);

        public string Render(TemplateInput input, CancellationToken cancellationToken)
        {
            try
            {
                return set.Execute(name, ToData(input), ExecutionLimits.Default, cancellationToken);
            }
            catch (Templating.TemplateException e)
            {
                throw new TemplateException(e.Message, e);
            }
        }
    }

    /// <summary>Alertmanager's template data for a group, with each alert's charts and the channel's extras.</summary>
    internal static TemplateData ToData(TemplateInput input)
    {
        var g = input.Group;
        var alerts = new Alerts();
        for (var i = 0; i < g.Alerts.Count; i++)
        {
            var a = g.Alerts[i];
            var index = i;
            var images = input.Images.Where(im => im.AlertIndex == index && im.Url is not null)
                .Select(im => new AlertImage(im.Url!.ToString(), im.Title));
            alerts.Add(TemplateAlert.Create(a.Status, a.Labels, a.Annotations, a.StartsAt,
                a.IsFiring ? null : a.EndsAt, a.GeneratorUrl, a.Fingerprint, images));
        }

        var data = new TemplateData
        {
            // Alertmanager passes the receiver through regexp.QuoteMeta; templates (and its UI links) expect that.
            Receiver = QuoteMeta(g.Receiver),
            Status = g.Status,
            Alerts = alerts,
            GroupLabels = new KV(g.GroupLabels),
            CommonLabels = new KV(g.CommonLabels),
            CommonAnnotations = new KV(g.CommonAnnotations),
            ExternalURL = g.ExternalUrl,
            NotificationReason = g.NotificationReason,
        };
        foreach (var (key, value) in input.Extras)
        {
            if (key == "AtMobiles" && value is IEnumerable<string> mobiles)
            {
                data.AtMobiles = mobiles.ToArray();
            }
            else
            {
                data.With(key, value);
            }
        }

        return data;
    }

    /// <summary>Go's regexp.QuoteMeta: a backslash before each of <c>\.+*?()|[]{}^$</c>.</summary>
    internal static string QuoteMeta(string s)
    {
        if (s.AsSpan().IndexOfAny(@"\.+*?()|[]{}^$") < 0)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length + 4);
        foreach (var c in s)
        {
            if (@"\.+*?()|[]{}^$".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static readonly Lazy<string> HostTemplate = new(() =>
    {
        using var s = typeof(GoTemplateRenderer).Assembly.GetManifestResourceStream("Promoter.Host.Templates.host.tmpl")
            ?? throw new InvalidOperationException("embedded host.tmpl missing");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });
}
