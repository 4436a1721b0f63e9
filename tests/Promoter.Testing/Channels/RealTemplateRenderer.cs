using Promoter.Abstractions.Templating;
using Promoter.Templating;
using Promoter.Templating.Alertmanager;
using AbstractionsTemplateException = Promoter.Abstractions.Templating.TemplateException;

namespace Promoter.Testing.Channels;

/// <summary>
/// Promoter's real Go text/template engine behind <see cref="ITemplateRenderer"/>, for channel tests that render a
/// plugin's shipped templates end to end: Alertmanager's defaults, then the given sources (a plugin's
/// <see cref="TemplateSource"/>s), as the host builds its set. The data mirrors the host's (Alertmanager's model,
/// each alert's charts as .Images, the channel's extras as top-level fields).
/// </summary>
public sealed class RealTemplateRenderer : ITemplateRenderer
{
    private readonly Dictionary<string, TemplateSet> _sets = new(StringComparer.Ordinal);

    public RealTemplateRenderer(IEnumerable<TemplateSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var list = sources.ToList();
        foreach (var (name, profile) in new[] { (TemplateProfiles.Alertmanager, FunctionProfile.Alertmanager), (TemplateProfiles.DingTalk, FunctionProfile.DingTalk) })
        {
            var set = DefaultTemplates.CreateSet(profile);
            foreach (var source in list)
            {
                try
                {
                    set.Parse(source.Name, source.Text);
                }
                catch (Promoter.Templating.TemplateException) when (profile != FunctionProfile.Alertmanager)
                {
                    // As in the host: a file using Alertmanager-only functions belongs to that profile's set only.
                }
            }

            _sets[name] = set;
        }
    }

    public ICompiledTemplate Compile(string name, string text, string profile = TemplateProfiles.Alertmanager)
    {
        var set = _sets[profile].Clone();
        try
        {
            set.Parse(name, text);
        }
        catch (Promoter.Templating.TemplateException e)
        {
            throw new AbstractionsTemplateException(e.Message, e);
        }

        return new Compiled(name, set);
    }

    /// <summary>Alertmanager's template data for a group, with each alert's charts and the channel's extras.</summary>
    public static TemplateData ToData(TemplateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
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
            Receiver = g.Receiver,
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

    private sealed class Compiled(string name, TemplateSet set) : ICompiledTemplate
    {
        public string Name => name;

        public string Render(TemplateInput input)
        {
            try
            {
                return set.Execute(name, ToData(input));
            }
            catch (Promoter.Templating.TemplateException e)
            {
                throw new AbstractionsTemplateException(e.Message, e);
            }
        }
    }
}
