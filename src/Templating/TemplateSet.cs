using System.Text;
using Promoter.Templating.Execution;
using Promoter.Templating.Functions;
using Promoter.Templating.Parsing;

namespace Promoter.Templating;

/// <summary>Which function set templates get (chosen per channel).</summary>
public enum FunctionProfile
{
    /// <summary>Alertmanager's template functions (toUpper … dict, date, tz, since…).</summary>
    Alertmanager,

    /// <summary>prometheus-webhook-dingtalk's: toUpper, toLower, markdown and Sprig (without env/expandenv).</summary>
    DingTalk,
}

/// <summary>
/// A set of named Go text/templates sharing one function profile, with missingkey=zero. Parse once, render
/// many: parsed trees are immutable and executions share nothing, so one set may render on many threads
/// once parsing is done.
/// </summary>
public sealed partial class TemplateSet
{
    private readonly Dictionary<string, Tree> _templates;
    private readonly IReadOnlyDictionary<string, GoCallable> _funcs;

    public TemplateSet(FunctionProfile profile)
    {
        Profile = profile;
        _funcs = FunctionProfiles.For(profile);
        _templates = new Dictionary<string, Tree>(StringComparer.Ordinal);
    }

    private TemplateSet(TemplateSet other)
    {
        Profile = other.Profile;
        _funcs = other._funcs;
        _templates = new Dictionary<string, Tree>(other._templates, StringComparer.Ordinal);
    }

    public FunctionProfile Profile { get; }

    /// <summary>Names of the templates defined so far.</summary>
    public IEnumerable<string> Names => _templates.Keys;

    /// <summary>
    /// Parses <paramref name="text"/>: its {{define}}s are added (a later definition replaces an earlier one,
    /// except that an empty body never replaces a non-empty one) and the text outside them becomes the
    /// template <paramref name="sourceName"/>.
    /// </summary>
    /// <exception cref="TemplateParseException">The text is not a valid template.</exception>
    public void Parse(string sourceName, string text)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(text);
        var trees = Parser.Parse(sourceName, text, HasFunction);
        foreach (var (name, tree) in trees)
        {
            if (_templates.TryGetValue(name, out var old) && Tree.IsEmpty(tree.Root) && !Tree.IsEmpty(old.Root))
            {
                continue;
            }

            _templates[name] = tree;
        }
    }

    private bool HasFunction(string name) => _funcs.ContainsKey(name) || Builtins.Functions.ContainsKey(name);

    /// <summary>A copy sharing the parsed trees, so a field text can be parsed on top without touching this set.</summary>
    public TemplateSet Clone() => new(this);

    public bool Has(string templateName) => _templates.ContainsKey(templateName);

    /// <exception cref="TemplateExecutionException">Execution failed or the template does not exist.</exception>
    /// <exception cref="TemplateLimitException">Execution went over <see cref="ExecutionLimits.Default"/>.</exception>
    public string Execute(string templateName, object? data) => Execute(templateName, data, ExecutionLimits.Default, CancellationToken.None);

    /// <summary>Executes with <paramref name="limits"/>; stops (<see cref="TemplateLimitException"/>) once
    /// <paramref name="cancellationToken"/> is cancelled, such as when the request that asked has gone.</summary>
    public string Execute(string templateName, object? data, ExecutionLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var sb = new StringBuilder(256);
        ExecuteInto(sb, templateName, data, new ExecutionBudget(limits, cancellationToken));
        return sb.ToString();
    }

    public void Execute(TextWriter output, string templateName, object? data)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Execute(templateName, data));
    }

    private void ExecuteInto(StringBuilder sb, string templateName, object? data, ExecutionBudget budget)
    {
        if (!_templates.TryGetValue(templateName, out var tree))
        {
            var detail = $"no template {GoQuote.Quote(templateName)} associated with template {GoQuote.Quote(templateName)}";
            throw new TemplateExecutionException("template: " + detail, templateName, 0, 0, detail);
        }

        new Executor(_templates, _funcs, sb, tree, budget).Run(data);
    }
}
