using Promoter.Abstractions.Templating;

namespace Promoter.Plugins.Sdk.Templating;

/// <summary>
/// A configured template never stops a notification: one that does not compile, fails while rendering or renders
/// only white space is reported (through the plugin's own log call) and the channel's built-in text goes out instead.
/// Every channel needs exactly this; before the SDK each carried its own copy.
/// </summary>
public static class TemplateFallback
{
    /// <summary>
    /// Compiles <paramref name="text"/>; on a <see cref="TemplateException"/> reports <c>(name, error)</c> to
    /// <paramref name="failed"/> and returns null, which <see cref="Render(ICompiledTemplate?, Func{TemplateInput}, Func{string}, Action{string, string})"/>
    /// treats as "use the fallback". With <paramref name="html"/>, html/template escaping is asked for; a host without
    /// an HTML mode still renders the text, unescaped.
    /// </summary>
    public static ICompiledTemplate? Compile(ITemplateRenderer templates, string name, string text, string profile, Action<string, string> failed, bool html = false)
    {
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentNullException.ThrowIfNull(failed);
        try
        {
            return html ? CompileHtml(templates, name, text, profile) : templates.Compile(name, text, profile);
        }
        catch (TemplateException e)
        {
            failed(name, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Renders <paramref name="template"/> with the input built by <paramref name="input"/> (only when there is a
    /// template); a render failure is reported to <paramref name="failed"/>, and a failure, a blank result or no
    /// template at all yields <paramref name="fallback"/>.
    /// </summary>
    public static string Render(ICompiledTemplate? template, Func<TemplateInput> input, Func<string> fallback, Action<string, string> failed)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(failed);
        if (template is null)
        {
            return fallback();
        }

        try
        {
            var rendered = template.Render(input());
            if (!string.IsNullOrWhiteSpace(rendered))
            {
                return rendered;
            }
        }
        catch (TemplateException e)
        {
            failed(template.Name, e.Message);
        }

        return fallback();
    }

    /// <summary>As <see cref="Render(ICompiledTemplate?, Func{TemplateInput}, Func{string}, Action{string, string})"/>, with a fallback text already built.</summary>
    public static string Render(ICompiledTemplate? template, Func<TemplateInput> input, string fallback, Action<string, string> failed) =>
        Render(template, input, () => fallback, failed);

    private static ICompiledTemplate CompileHtml(ITemplateRenderer templates, string name, string text, string profile)
    {
        try
        {
            return templates.CompileHtml(name, text, profile);
        }
        catch (NotSupportedException)
        {
            return templates.Compile(name, text, profile);
        }
    }
}
