namespace Promoter.Templating.Html;

/// <summary>What kind of content a value is (Go's html/template contentType).</summary>
internal enum HtmlContentType
{
    Plain,
    Css,
    Html,
    HtmlAttr,
    JS,
    JSStr,
    Url,
    Srcset,
    Unsafe,
}

/// <summary>
/// The content type of an attribute's value by its name (Go's attr.go): HTML5's attribute list plus
/// HTML4's %URI attributes; on* handlers are script, and custom names mentioning src/uri/url are URLs.
/// </summary>
internal static class HtmlAttributes
{
    private static readonly Dictionary<string, HtmlContentType> Types = new(StringComparer.Ordinal)
    {
        ["accept"] = HtmlContentType.Plain,
        ["accept-charset"] = HtmlContentType.Unsafe,
        ["action"] = HtmlContentType.Url,
        ["alt"] = HtmlContentType.Plain,
        ["archive"] = HtmlContentType.Url,
        ["async"] = HtmlContentType.Unsafe,
        ["autocomplete"] = HtmlContentType.Plain,
        ["autofocus"] = HtmlContentType.Plain,
        ["autoplay"] = HtmlContentType.Plain,
        ["background"] = HtmlContentType.Url,
        ["border"] = HtmlContentType.Plain,
        ["challenge"] = HtmlContentType.Unsafe,
        ["charset"] = HtmlContentType.Unsafe,
        ["checked"] = HtmlContentType.Plain,
        ["cite"] = HtmlContentType.Url,
        ["class"] = HtmlContentType.Plain,
        ["classid"] = HtmlContentType.Url,
        ["codebase"] = HtmlContentType.Url,
        ["cols"] = HtmlContentType.Plain,
        ["colspan"] = HtmlContentType.Plain,
        ["content"] = HtmlContentType.Unsafe,
        ["contenteditable"] = HtmlContentType.Plain,
        ["contextmenu"] = HtmlContentType.Plain,
        ["controls"] = HtmlContentType.Plain,
        ["coords"] = HtmlContentType.Plain,
        ["crossorigin"] = HtmlContentType.Unsafe,
        ["data"] = HtmlContentType.Url,
        ["datetime"] = HtmlContentType.Plain,
        ["default"] = HtmlContentType.Plain,
        ["defer"] = HtmlContentType.Unsafe,
        ["dir"] = HtmlContentType.Plain,
        ["dirname"] = HtmlContentType.Plain,
        ["disabled"] = HtmlContentType.Plain,
        ["draggable"] = HtmlContentType.Plain,
        ["dropzone"] = HtmlContentType.Plain,
        ["enctype"] = HtmlContentType.Unsafe,
        ["for"] = HtmlContentType.Plain,
        ["form"] = HtmlContentType.Unsafe,
        ["formaction"] = HtmlContentType.Url,
        ["formenctype"] = HtmlContentType.Unsafe,
        ["formmethod"] = HtmlContentType.Unsafe,
        ["formnovalidate"] = HtmlContentType.Unsafe,
        ["formtarget"] = HtmlContentType.Plain,
        ["headers"] = HtmlContentType.Plain,
        ["height"] = HtmlContentType.Plain,
        ["hidden"] = HtmlContentType.Plain,
        ["high"] = HtmlContentType.Plain,
        ["href"] = HtmlContentType.Url,
        ["hreflang"] = HtmlContentType.Plain,
        ["http-equiv"] = HtmlContentType.Unsafe,
        ["icon"] = HtmlContentType.Url,
        ["id"] = HtmlContentType.Plain,
        ["ismap"] = HtmlContentType.Plain,
        ["keytype"] = HtmlContentType.Unsafe,
        ["kind"] = HtmlContentType.Plain,
        ["label"] = HtmlContentType.Plain,
        ["lang"] = HtmlContentType.Plain,
        ["language"] = HtmlContentType.Unsafe,
        ["list"] = HtmlContentType.Plain,
        ["longdesc"] = HtmlContentType.Url,
        ["loop"] = HtmlContentType.Plain,
        ["low"] = HtmlContentType.Plain,
        ["manifest"] = HtmlContentType.Url,
        ["max"] = HtmlContentType.Plain,
        ["maxlength"] = HtmlContentType.Plain,
        ["media"] = HtmlContentType.Plain,
        ["mediagroup"] = HtmlContentType.Plain,
        ["method"] = HtmlContentType.Unsafe,
        ["min"] = HtmlContentType.Plain,
        ["multiple"] = HtmlContentType.Plain,
        ["name"] = HtmlContentType.Plain,
        ["novalidate"] = HtmlContentType.Unsafe,
        ["open"] = HtmlContentType.Plain,
        ["optimum"] = HtmlContentType.Plain,
        ["pattern"] = HtmlContentType.Unsafe,
        ["placeholder"] = HtmlContentType.Plain,
        ["poster"] = HtmlContentType.Url,
        ["preload"] = HtmlContentType.Plain,
        ["profile"] = HtmlContentType.Url,
        ["pubdate"] = HtmlContentType.Plain,
        ["radiogroup"] = HtmlContentType.Plain,
        ["readonly"] = HtmlContentType.Plain,
        ["rel"] = HtmlContentType.Unsafe,
        ["required"] = HtmlContentType.Plain,
        ["reversed"] = HtmlContentType.Plain,
        ["rows"] = HtmlContentType.Plain,
        ["rowspan"] = HtmlContentType.Plain,
        ["sandbox"] = HtmlContentType.Unsafe,
        ["scope"] = HtmlContentType.Plain,
        ["scoped"] = HtmlContentType.Plain,
        ["seamless"] = HtmlContentType.Plain,
        ["selected"] = HtmlContentType.Plain,
        ["shape"] = HtmlContentType.Plain,
        ["size"] = HtmlContentType.Plain,
        ["sizes"] = HtmlContentType.Plain,
        ["span"] = HtmlContentType.Plain,
        ["spellcheck"] = HtmlContentType.Plain,
        ["src"] = HtmlContentType.Url,
        ["srcdoc"] = HtmlContentType.Html,
        ["srclang"] = HtmlContentType.Plain,
        ["srcset"] = HtmlContentType.Srcset,
        ["start"] = HtmlContentType.Plain,
        ["step"] = HtmlContentType.Plain,
        ["style"] = HtmlContentType.Css,
        ["tabindex"] = HtmlContentType.Plain,
        ["target"] = HtmlContentType.Plain,
        ["title"] = HtmlContentType.Plain,
        ["type"] = HtmlContentType.Unsafe,
        ["usemap"] = HtmlContentType.Url,
        ["value"] = HtmlContentType.Unsafe,
        ["width"] = HtmlContentType.Plain,
        ["wrap"] = HtmlContentType.Plain,
        ["xmlns"] = HtmlContentType.Url,
    };

    /// <param name="name">The attribute name, lower case.</param>
    public static HtmlContentType TypeOf(string name)
    {
        if (name.StartsWith("data-", StringComparison.Ordinal))
        {
            // data-action and the like fall through to the heuristics below.
            name = name[5..];
        }
        else
        {
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon != -1)
            {
                if (name[..colon] == "xmlns")
                {
                    return HtmlContentType.Url;
                }

                // svg:href and xlink:href are href.
                name = name[(colon + 1)..];
            }
        }

        if (Types.TryGetValue(name, out var t))
        {
            return t;
        }

        if (name.StartsWith("on", StringComparison.Ordinal))
        {
            return HtmlContentType.JS;
        }

        // Custom attributes that hold URLs usually say so (g:tweetUrl, data-src…): treat them as URLs so a
        // javascript: value is filtered.
        if (name.Contains("src", StringComparison.Ordinal) || name.Contains("uri", StringComparison.Ordinal) || name.Contains("url", StringComparison.Ordinal))
        {
            return HtmlContentType.Url;
        }

        return HtmlContentType.Plain;
    }
}
