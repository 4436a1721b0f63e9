namespace Promoter.Templating.Html;

// The parser state html/template tracks while it walks a template's text (Go's html/template context.go).
// The enum member names print as Go's stringer does ("stateText", "delimNone", …) because they appear in
// error messages and in the mangled names of derived templates.

internal enum HtmlState
{
    stateText,
    stateTag,
    stateAttrName,
    stateAfterName,
    stateBeforeValue,
    stateHTMLCmt,
    stateRCDATA,
    stateAttr,
    stateURL,
    stateSrcset,
    stateJS,
    stateJSDqStr,
    stateJSSqStr,
    stateJSBqStr,
    stateJSRegexp,
    stateJSBlockCmt,
    stateJSLineCmt,
    stateCSS,
    stateCSSDqStr,
    stateCSSSqStr,
    stateCSSDqURL,
    stateCSSSqURL,
    stateCSSURL,
    stateCSSBlockCmt,
    stateCSSLineCmt,
    stateError,
    stateDead,
}

internal enum HtmlDelim
{
    delimNone,
    delimDoubleQuote,
    delimSingleQuote,
    delimSpaceOrTagEnd,
}

internal enum UrlPart
{
    urlPartNone,
    urlPartPreQuery,
    urlPartQueryOrFrag,
    urlPartUnknown,
}

internal enum JsCtx
{
    jsCtxRegexp,
    jsCtxDivOp,
    jsCtxUnknown,
}

internal enum HtmlAttr
{
    attrNone,
    attrScript,
    attrScriptType,
    attrStyle,
    attrURL,
    attrSrcset,
}

internal enum HtmlElement
{
    elementNone,
    elementScript,
    elementStyle,
    elementTextarea,
    elementTitle,
}

/// <summary>What a piece of text is inside an HTML document at some point of a template.</summary>
internal readonly record struct HtmlContext(
    HtmlState State,
    HtmlDelim Delim = HtmlDelim.delimNone,
    UrlPart UrlPart = UrlPart.urlPartNone,
    JsCtx JsCtx = JsCtx.jsCtxRegexp,
    HtmlAttr Attr = HtmlAttr.attrNone,
    HtmlElement Element = HtmlElement.elementNone,
    HtmlEscapeError? Error = null)
{
    public static readonly HtmlContext Start = new(HtmlState.stateText);

    /// <summary>The node a break or continue sits at, for range joins (Go's context.n).</summary>
    public Parsing.Node? At { get; init; }

    public static HtmlContext Fail(HtmlEscapeError error) => new(HtmlState.stateError, Error: error);

    /// <summary>Equality ignoring the error and node, as Go's context.eq.</summary>
    public bool Same(HtmlContext o) =>
        State == o.State && Delim == o.Delim && UrlPart == o.UrlPart && JsCtx == o.JsCtx && Attr == o.Attr && Element == o.Element && ReferenceEquals(Error, o.Error);

    /// <summary>The template name for this start context: the name itself in text, otherwise name$htmltemplate_….</summary>
    public string Mangle(string templateName)
    {
        if (State == HtmlState.stateText)
        {
            return templateName;
        }

        var s = templateName + "$htmltemplate_" + State;
        if (Delim != HtmlDelim.delimNone)
        {
            s += "_" + Delim;
        }

        if (UrlPart != UrlPart.urlPartNone)
        {
            s += "_" + UrlPart;
        }

        if (JsCtx != JsCtx.jsCtxRegexp)
        {
            s += "_" + JsCtx;
        }

        if (Attr != HtmlAttr.attrNone)
        {
            s += "_" + Attr;
        }

        if (Element != HtmlElement.elementNone)
        {
            s += "_" + Element;
        }

        return s;
    }

    /// <summary>Go's %v of a context: {stateX delimY urlPartZ jsCtxW attrV elementU err}.</summary>
    public override string ToString() =>
        $"{{{State} {Delim} {UrlPart} {JsCtx} {Attr} {Element} {(Error is null ? "<nil>" : Error.Text)}}}";

    public bool IsComment => State is HtmlState.stateHTMLCmt or HtmlState.stateJSBlockCmt or HtmlState.stateJSLineCmt
        or HtmlState.stateCSSBlockCmt or HtmlState.stateCSSLineCmt;

    public bool IsInTag => State is HtmlState.stateTag or HtmlState.stateAttrName or HtmlState.stateAfterName
        or HtmlState.stateBeforeValue or HtmlState.stateAttr;
}

/// <summary>An escaping error as Go's html/template reports it (error.go).</summary>
internal sealed class HtmlEscapeError(Parsing.Node? node, int line, string description)
{
    public Parsing.Node? Node { get; } = node;

    public int Line { get; set; } = line;

    public string Name { get; set; } = "";

    public string Description { get; set; } = description;

    /// <summary>The message text (Go's Error.Error()).</summary>
    public string Text
    {
        get
        {
            if (Node is not null)
            {
                return $"html/template:{Node.Tree.Location(Node.Pos)}: {Description}";
            }

            if (Line != 0)
            {
                return $"html/template:{Name}:{Line}: {Description}";
            }

            return Name.Length > 0 ? $"html/template:{Name}: {Description}" : "html/template: " + Description;
        }
    }
}
