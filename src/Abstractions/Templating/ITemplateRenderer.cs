using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Model;

namespace Promoter.Abstractions.Templating;

/// <summary>
/// Renders Go text/template templates with the host's template set: the built-in and plugin-shipped
/// definitions, then the operator's <c>templates:</c> files (later definitions replace earlier ones, as in
/// Alertmanager). Compile once, render many times.
/// </summary>
public interface ITemplateRenderer
{
    /// <summary>Parses <paramref name="text"/> against the template set.</summary>
    /// <param name="name">A name for error messages, such as <c>channels.ops-ding.template.text</c>.</param>
    /// <param name="text">The template text, for example <c>{{ template "dingtalk.content" . }}</c>.</param>
    /// <param name="profile">The function set: <see cref="TemplateProfiles"/>.</param>
    /// <exception cref="TemplateException">The text does not parse; the message names line and column.</exception>
    ICompiledTemplate Compile(string name, string text, string profile = TemplateProfiles.Alertmanager);

    /// <summary>
    /// Parses <paramref name="text"/> as an HTML template: it renders as Go's html/template does (what
    /// Alertmanager uses for e-mail bodies), every value escaped for where it lands in the HTML (text,
    /// attribute, URL, script, style). Values passed through <c>safeHtml</c> / <c>safeUrl</c> are kept as they are.
    /// </summary>
    /// <exception cref="TemplateException">The text does not parse, or its HTML is ambiguous (html/template's message).</exception>
    /// <exception cref="NotSupportedException">This renderer has no HTML mode (a renderer written before contract 1.x added it).</exception>
    ICompiledTemplate CompileHtml(string name, string text, string profile = TemplateProfiles.Alertmanager) =>
        throw new NotSupportedException("this template renderer cannot compile HTML templates");
}

public interface ICompiledTemplate
{
    string Name { get; }

    /// <exception cref="TemplateException">Execution failed; the message names the template, line and expression.</exception>
    string Render(TemplateInput input);

    /// <summary>
    /// Renders, giving up once <paramref name="cancellationToken"/> is cancelled. Every execution is bounded in
    /// output size, steps and time whichever overload is used; the token lets a caller stop earlier (the request
    /// that asked went away).
    /// </summary>
    /// <exception cref="TemplateException">Execution failed or went over its limits.</exception>
    string Render(TemplateInput input, CancellationToken cancellationToken) => Render(input);
}

/// <summary>The data a template sees: Alertmanager's data model plus per-alert images and extras.</summary>
public sealed record TemplateInput(AlertGroup Group)
{
    public IReadOnlyList<NotificationImage> Images { get; init; } = [];

    /// <summary>Extra top-level fields, such as <c>AtMobiles</c> (a list of strings) for DingTalk.</summary>
    public IReadOnlyDictionary<string, object?> Extras { get; init; } = new Dictionary<string, object?>();
}

/// <summary>Function-set profiles.</summary>
public static class TemplateProfiles
{
    /// <summary>Alertmanager's template functions (the default).</summary>
    public const string Alertmanager = "alertmanager";

    /// <summary>prometheus-webhook-dingtalk's functions: toUpper, toLower, markdown and Sprig (never env).</summary>
    public const string DingTalk = "dingtalk";
}

/// <summary>A named template source a plugin ships (register as a singleton).</summary>
/// <param name="Name">A name for error messages, such as <c>Channel.DingTalk/default.tmpl</c>.</param>
public sealed record TemplateSource(string Name, string Text);

public sealed class TemplateException : Exception
{
    public TemplateException() { }
    public TemplateException(string message) : base(message) { }
    public TemplateException(string message, Exception inner) : base(message, inner) { }
}
