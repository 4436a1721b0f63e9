using Promoter.Templating.Execution;
using Promoter.Templating.Functions;
using Promoter.Templating.Html;
using Promoter.Templating.Parsing;

namespace Promoter.Templating;

public sealed partial class TemplateSet
{
    private static readonly Dictionary<FunctionProfile, IReadOnlyDictionary<string, GoCallable>> HtmlFuncs = Enum.GetValues<FunctionProfile>()
        .ToDictionary(p => p, p => (IReadOnlyDictionary<string, GoCallable>)FunctionProfiles.For(p).Concat(HtmlEscapingFunctions.Functions)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal));

    private TemplateSet(FunctionProfile profile, Dictionary<string, Tree> templates, IReadOnlyDictionary<string, GoCallable> funcs)
    {
        Profile = profile;
        _templates = templates;
        _funcs = funcs;
    }

    /// <summary>
    /// A copy of this set in which <paramref name="templateName"/> (and every template it calls) executes as
    /// Go's html/template would: each action's output is escaped for where it lands in the HTML (text,
    /// attribute, URL, script, style), HTML comments are dropped, and a stray '&lt;' in text becomes &amp;lt;.
    /// Values from safeHtml / safeUrl pass unescaped where their kind fits. This set is not changed.
    /// </summary>
    /// <exception cref="HtmlEscapeException">The template cannot be escaped; the message is Go's (html/template:…).</exception>
    public TemplateSet EscapeHtml(string templateName)
    {
        ArgumentNullException.ThrowIfNull(templateName);
        if (!_templates.ContainsKey(templateName))
        {
            throw new HtmlEscapeException($"html/template: {GoQuote.Quote(templateName)} is undefined", templateName, 0);
        }

        var trees = new Dictionary<string, Tree>(_templates.Count, StringComparer.Ordinal);
        foreach (var (name, tree) in _templates)
        {
            trees[name] = TreeCopy.Tree(tree);
        }

        new HtmlEscaper(trees).EscapeTemplate(templateName);
        return new TemplateSet(Profile, trees, HtmlFuncs[Profile]);
    }
}

/// <summary>A template that html/template's contextual escaping cannot handle (ambiguous or broken HTML).</summary>
public sealed class HtmlEscapeException : TemplateException
{
    public HtmlEscapeException()
    {
    }

    public HtmlEscapeException(string message)
        : base(message)
    {
    }

    public HtmlEscapeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public HtmlEscapeException(string message, string templateName, int line)
        : base(message, templateName, line, 0, message)
    {
    }
}
