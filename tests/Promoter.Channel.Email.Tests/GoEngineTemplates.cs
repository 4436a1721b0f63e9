using Promoter.Abstractions.Templating;
using Promoter.Templating;
using Promoter.Templating.Alertmanager;

namespace Promoter.Channel.Email.Tests;

/// <summary>
/// The real Go template engine behind <see cref="ITemplateRenderer"/>, set up as the host does: Alertmanager's
/// defaults, then the plugin's default.tmpl, then any extra source; field texts parsed on a clone.
/// </summary>
internal sealed class GoEngineTemplates : ITemplateRenderer
{
    private readonly TemplateSet _set;

    public GoEngineTemplates(params TemplateSource[] extra)
    {
        _set = DefaultTemplates.CreateSet(FunctionProfile.Alertmanager);
        var plugin = EmailPlugin.DefaultTemplates();
        _set.Parse(plugin.Name, plugin.Text);
        foreach (var source in extra)
        {
            _set.Parse(source.Name, source.Text);
        }
    }

    public List<(string Name, bool Html)> CompiledFields { get; } = [];

    public ICompiledTemplate Compile(string name, string text, string profile = TemplateProfiles.Alertmanager) => Build(name, text, false);

    public ICompiledTemplate CompileHtml(string name, string text, string profile = TemplateProfiles.Alertmanager) => Build(name, text, true);

    private CompiledField Build(string name, string text, bool html)
    {
        CompiledFields.Add((name, html));
        var set = _set.Clone();
        try
        {
            set.Parse(name, text);
            return new CompiledField(name, html ? set.EscapeHtml(name) : set);
        }
        catch (Templating.TemplateException e)
        {
            throw new Abstractions.Templating.TemplateException(e.Message, e);
        }
    }

    public static TemplateData ToData(TemplateInput input)
    {
        var g = input.Group;
        var alerts = new Alerts();
        for (var i = 0; i < g.Alerts.Count; i++)
        {
            var a = g.Alerts[i];
            var index = i;
            var images = input.Images.Where(im => im.AlertIndex == index && im.Url is not null).Select(im => new AlertImage(im.Url!.ToString(), im.Title));
            alerts.Add(TemplateAlert.Create(a.Status, a.Labels, a.Annotations, a.StartsAt, a.IsFiring ? null : a.EndsAt, a.GeneratorUrl, a.Fingerprint, images));
        }

        return new TemplateData
        {
            Receiver = g.Receiver,
            Status = g.Status,
            Alerts = alerts,
            GroupLabels = new KV(g.GroupLabels),
            CommonLabels = new KV(g.CommonLabels),
            CommonAnnotations = new KV(g.CommonAnnotations),
            ExternalURL = g.ExternalUrl,
        };
    }

    private sealed class CompiledField(string name, TemplateSet set) : ICompiledTemplate
    {
        public string Name => name;

        public string Render(TemplateInput input)
        {
            try
            {
                return set.Execute(name, ToData(input));
            }
            catch (Templating.TemplateException e)
            {
                throw new Abstractions.Templating.TemplateException(e.Message, e);
            }
        }
    }
}
