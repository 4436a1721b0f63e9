namespace Promoter.Templating;

/// <summary>
/// A template problem. <see cref="Exception.Message"/> reads like Go's (<c>template: NAME:LINE:COL: …</c>) so
/// output matches <c>amtool template render</c>; the parts are also available as properties.
/// </summary>
public class TemplateException : Exception
{
    public TemplateException()
    {
    }

    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TemplateException(string message, string templateName, int line, int column, string detail)
        : base(message)
    {
        TemplateName = templateName;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>The source (file or field) name the problem is in.</summary>
    public string TemplateName { get; } = "";

    /// <summary>1-based line.</summary>
    public int Line { get; }

    /// <summary>1-based column in UTF-8 bytes, as Go counts it; 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Detail { get; } = "";

    /// <summary>The message exactly as Go's text/template (and so amtool) words it.</summary>
    public virtual string GoMessage => Message;
}

/// <summary>
/// The text is not a valid template. <see cref="Exception.Message"/> is <c>template: NAME:LINE:COL: what is wrong</c>;
/// <see cref="GoMessage"/> is Go's wording, which has no column (<c>template: NAME:LINE: …</c>).
/// </summary>
public sealed class TemplateParseException : TemplateException
{
    public TemplateParseException()
    {
    }

    public TemplateParseException(string message)
        : base(message)
    {
    }

    public TemplateParseException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TemplateParseException(string message, string templateName, int line, int column, string detail)
        : base($"template: {templateName}:{line}:{column}: {detail}", templateName, line, column, detail)
    {
        _goMessage = message;
    }

    private readonly string? _goMessage;

    public override string GoMessage => _goMessage ?? Message;
}

/// <summary>Executing failed: names the template, the position and the failing expression, as Go does.</summary>
public sealed class TemplateExecutionException : TemplateException
{
    public TemplateExecutionException()
    {
    }

    public TemplateExecutionException(string message)
        : base(message)
    {
    }

    public TemplateExecutionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TemplateExecutionException(string message, string templateName, int line, int column, string detail, string expression = "")
        : base(message, templateName, line, column, detail)
    {
        Expression = expression;
    }

    /// <summary>The expression that failed, as Go prints it (e.g. <c>.Labels.Foo</c>).</summary>
    public string Expression { get; } = "";
}
