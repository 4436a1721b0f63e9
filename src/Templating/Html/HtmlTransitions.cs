using System.Net;

namespace Promoter.Templating.Html;

/// <summary>
/// How a run of template text moves the HTML context (Go 1.19's html/template transition.go): each step
/// consumes a prefix of the text and returns the context after it. Works on UTF-16 strings; every
/// delimiter it looks for is ASCII, so the result is the same as Go's byte-wise scan.
/// </summary>
internal static class HtmlTransitions
{
    public static (HtmlContext Context, int Consumed) Step(HtmlContext c, string s) => c.State switch
    {
        HtmlState.stateText => TText(c, s),
        HtmlState.stateTag => TTag(c, s),
        HtmlState.stateAttrName => TAttrName(c, s),
        HtmlState.stateAfterName => TAfterName(c, s),
        HtmlState.stateBeforeValue => TBeforeValue(c, s),
        HtmlState.stateHTMLCmt => THtmlCmt(c, s),
        HtmlState.stateRCDATA => TSpecialTagEnd(c, s),
        HtmlState.stateAttr => (c, s.Length),
        HtmlState.stateURL or HtmlState.stateSrcset => TUrl(c, s),
        HtmlState.stateJS => TJs(c, s),
        HtmlState.stateJSDqStr or HtmlState.stateJSSqStr or HtmlState.stateJSBqStr or HtmlState.stateJSRegexp => TJsDelimited(c, s),
        HtmlState.stateJSBlockCmt or HtmlState.stateCSSBlockCmt => TBlockCmt(c, s),
        HtmlState.stateJSLineCmt or HtmlState.stateCSSLineCmt => TLineCmt(c, s),
        HtmlState.stateCSS => TCss(c, s),
        HtmlState.stateCSSDqStr or HtmlState.stateCSSSqStr or HtmlState.stateCSSDqURL or HtmlState.stateCSSSqURL or HtmlState.stateCSSURL => TCssStr(c, s),
        _ => (c, s.Length),
    };

    private static HtmlState ElementContentType(HtmlElement e) => e switch
    {
        HtmlElement.elementScript => HtmlState.stateJS,
        HtmlElement.elementStyle => HtmlState.stateCSS,
        HtmlElement.elementTextarea or HtmlElement.elementTitle => HtmlState.stateRCDATA,
        _ => HtmlState.stateText,
    };

    private static (HtmlContext, int) TText(HtmlContext c, string s)
    {
        var k = 0;
        while (true)
        {
            var i = s.IndexOf('<', k);
            if (i < 0 || i + 1 == s.Length)
            {
                return (c, s.Length);
            }

            if (string.CompareOrdinal(s, i, "<!--", 0, 4) == 0 && i + 4 <= s.Length)
            {
                return (new HtmlContext(HtmlState.stateHTMLCmt), i + 4);
            }

            i++;
            var end = false;
            if (s[i] == '/')
            {
                if (i + 1 == s.Length)
                {
                    return (c, s.Length);
                }

                end = true;
                i++;
            }

            var (j, e) = EatTagName(s, i);
            if (j != i)
            {
                return (new HtmlContext(HtmlState.stateTag, Element: end ? HtmlElement.elementNone : e), j);
            }

            k = j;
        }
    }

    private static (HtmlContext, int) TTag(HtmlContext c, string s)
    {
        var i = EatWhiteSpace(s, 0);
        if (i == s.Length)
        {
            return (c, s.Length);
        }

        if (s[i] == '>')
        {
            return (new HtmlContext(ElementContentType(c.Element), Element: c.Element), i + 1);
        }

        var (j, err) = EatAttrName(s, i);
        if (err is not null)
        {
            return (HtmlContext.Fail(err), s.Length);
        }

        if (i == j)
        {
            return (HtmlContext.Fail(new HtmlEscapeError(null, 0, $"expected space, attr name, or end of tag, but got {GoQuoteBytes(s[i..])}")), s.Length);
        }

        var attrName = s[i..j].ToLowerInvariant();
        var attr = HtmlAttr.attrNone;
        if (c.Element == HtmlElement.elementScript && attrName == "type")
        {
            attr = HtmlAttr.attrScriptType;
        }
        else
        {
            attr = HtmlAttributes.TypeOf(attrName) switch
            {
                HtmlContentType.Url => HtmlAttr.attrURL,
                HtmlContentType.Css => HtmlAttr.attrStyle,
                HtmlContentType.JS => HtmlAttr.attrScript,
                HtmlContentType.Srcset => HtmlAttr.attrSrcset,
                _ => HtmlAttr.attrNone,
            };
        }

        var state = j == s.Length ? HtmlState.stateAttrName : HtmlState.stateAfterName;
        return (new HtmlContext(state, Element: c.Element, Attr: attr), j);
    }

    private static (HtmlContext, int) TAttrName(HtmlContext c, string s)
    {
        var (i, err) = EatAttrName(s, 0);
        if (err is not null)
        {
            return (HtmlContext.Fail(err), s.Length);
        }

        return i != s.Length ? (c with { State = HtmlState.stateAfterName }, i) : (c, i);
    }

    private static (HtmlContext, int) TAfterName(HtmlContext c, string s)
    {
        var i = EatWhiteSpace(s, 0);
        if (i == s.Length)
        {
            return (c, s.Length);
        }

        if (s[i] != '=')
        {
            // The tag ended ('>') or the attribute has no value.
            return (c with { State = HtmlState.stateTag }, i);
        }

        return (c with { State = HtmlState.stateBeforeValue }, i + 1);
    }

    public static HtmlState AttrStartState(HtmlAttr a) => a switch
    {
        HtmlAttr.attrScript => HtmlState.stateJS,
        HtmlAttr.attrStyle => HtmlState.stateCSS,
        HtmlAttr.attrURL => HtmlState.stateURL,
        HtmlAttr.attrSrcset => HtmlState.stateSrcset,
        _ => HtmlState.stateAttr,
    };

    private static (HtmlContext, int) TBeforeValue(HtmlContext c, string s)
    {
        var i = EatWhiteSpace(s, 0);
        if (i == s.Length)
        {
            return (c, s.Length);
        }

        var delim = HtmlDelim.delimSpaceOrTagEnd;
        switch (s[i])
        {
            case '\'':
                delim = HtmlDelim.delimSingleQuote;
                i++;
                break;
            case '"':
                delim = HtmlDelim.delimDoubleQuote;
                i++;
                break;
        }

        return (c with { State = AttrStartState(c.Attr), Delim = delim }, i);
    }

    private static (HtmlContext, int) THtmlCmt(HtmlContext c, string s)
    {
        var i = s.IndexOf("-->", StringComparison.Ordinal);
        return i >= 0 ? (HtmlContext.Start, i + 3) : (c, s.Length);
    }

    private static string? SpecialTagEndMarker(HtmlElement e) => e switch
    {
        HtmlElement.elementScript => "script",
        HtmlElement.elementStyle => "style",
        HtmlElement.elementTextarea => "textarea",
        HtmlElement.elementTitle => "title",
        _ => null,
    };

    /// <summary>Raw text and RCDATA elements end at their case-insensitive end tag.</summary>
    public static (HtmlContext, int) TSpecialTagEnd(HtmlContext c, string s)
    {
        if (c.Element != HtmlElement.elementNone)
        {
            var i = IndexTagEnd(s, SpecialTagEndMarker(c.Element)!);
            if (i != -1)
            {
                return (HtmlContext.Start, i);
            }
        }

        return (c, s.Length);
    }

    private static int IndexTagEnd(string s, string tag)
    {
        var offset = 0;
        while (offset < s.Length)
        {
            var i = s.IndexOf("</", offset, StringComparison.Ordinal);
            if (i == -1)
            {
                return -1;
            }

            var after = i + 2;
            if (tag.Length <= s.Length - after && string.Compare(s, after, tag, 0, tag.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                var next = after + tag.Length;
                if (next < s.Length && "> \t\n\f/".Contains(s[next], StringComparison.Ordinal))
                {
                    return i;
                }
            }

            offset = after;
        }

        return -1;
    }

    public static (HtmlContext, int) TUrl(HtmlContext c, string s)
    {
        if (s.AsSpan().IndexOfAny('#', '?') >= 0)
        {
            c = c with { UrlPart = UrlPart.urlPartQueryOrFrag };
        }
        else if (s.Length != EatWhiteSpace(s, 0) && c.UrlPart == UrlPart.urlPartNone)
        {
            // HTML5 allows a URL attribute to be surrounded by spaces: the part starts at the first non-space.
            c = c with { UrlPart = UrlPart.urlPartPreQuery };
        }

        return (c, s.Length);
    }

    private static (HtmlContext, int) TJs(HtmlContext c, string s)
    {
        var i = s.AsSpan().IndexOfAny("\"'`/");
        if (i == -1)
        {
            return (c with { JsCtx = NextJsCtx(s, c.JsCtx) }, s.Length);
        }

        c = c with { JsCtx = NextJsCtx(s[..i], c.JsCtx) };
        switch (s[i])
        {
            case '"':
                c = c with { State = HtmlState.stateJSDqStr, JsCtx = JsCtx.jsCtxRegexp };
                break;
            case '\'':
                c = c with { State = HtmlState.stateJSSqStr, JsCtx = JsCtx.jsCtxRegexp };
                break;
            case '`':
                c = c with { State = HtmlState.stateJSBqStr, JsCtx = JsCtx.jsCtxRegexp };
                break;
            default:
                if (i + 1 < s.Length && s[i + 1] == '/')
                {
                    c = c with { State = HtmlState.stateJSLineCmt };
                    i++;
                }
                else if (i + 1 < s.Length && s[i + 1] == '*')
                {
                    c = c with { State = HtmlState.stateJSBlockCmt };
                    i++;
                }
                else if (c.JsCtx == JsCtx.jsCtxRegexp)
                {
                    c = c with { State = HtmlState.stateJSRegexp };
                }
                else if (c.JsCtx == JsCtx.jsCtxDivOp)
                {
                    c = c with { JsCtx = JsCtx.jsCtxRegexp };
                }
                else
                {
                    var rest = s[i..];
                    return (HtmlContext.Fail(new HtmlEscapeError(null, 0, $"'/' could start a division or regexp: {GoQuoteBytes(rest.Length > 32 ? rest[..32] : rest)}")), s.Length);
                }

                break;
        }

        return (c, i + 1);
    }

    private static (HtmlContext, int) TJsDelimited(HtmlContext c, string s)
    {
        var specials = c.State switch
        {
            HtmlState.stateJSSqStr => "\\'",
            HtmlState.stateJSBqStr => "`\\",
            HtmlState.stateJSRegexp => "\\/[]",
            _ => "\\\"",
        };
        var k = 0;
        var inCharset = false;
        while (true)
        {
            var rel = s.AsSpan(k).IndexOfAny(specials);
            if (rel < 0)
            {
                break;
            }

            var i = k + rel;
            switch (s[i])
            {
                case '\\':
                    i++;
                    if (i == s.Length)
                    {
                        return (HtmlContext.Fail(new HtmlEscapeError(null, 0, $"unfinished escape sequence in JS string: {GoQuoteBytes(s)}")), s.Length);
                    }

                    break;
                case '[':
                    inCharset = true;
                    break;
                case ']':
                    inCharset = false;
                    break;
                default:
                    if (!inCharset)
                    {
                        return (c with { State = HtmlState.stateJS, JsCtx = JsCtx.jsCtxDivOp }, i + 1);
                    }

                    break;
            }

            k = i + 1;
        }

        if (inCharset)
        {
            return (HtmlContext.Fail(new HtmlEscapeError(null, 0, $"unfinished JS regexp charset: {GoQuoteBytes(s)}")), s.Length);
        }

        return (c, s.Length);
    }

    private static (HtmlContext, int) TBlockCmt(HtmlContext c, string s)
    {
        var i = s.IndexOf("*/", StringComparison.Ordinal);
        if (i == -1)
        {
            return (c, s.Length);
        }

        return (c with { State = c.State == HtmlState.stateJSBlockCmt ? HtmlState.stateJS : HtmlState.stateCSS }, i + 2);
    }

    private static (HtmlContext, int) TLineCmt(HtmlContext c, string s)
    {
        // JS line terminators per ECMAScript 7.3; CSS newlines per css3-syntax (\n, \f, \r).
        var js = c.State == HtmlState.stateJSLineCmt;
        var i = js ? s.AsSpan().IndexOfAny("\n\r\u2028\u2029") : s.AsSpan().IndexOfAny("\n\f\r");
        if (i == -1)
        {
            return (c, s.Length);
        }

        // The terminator is not part of the comment.
        return (c with { State = js ? HtmlState.stateJS : HtmlState.stateCSS }, i);
    }

    private static (HtmlContext, int) TCss(HtmlContext c, string s)
    {
        var k = 0;
        while (true)
        {
            var rel = s.AsSpan(k).IndexOfAny("(\"'/");
            if (rel < 0)
            {
                return (c, s.Length);
            }

            var i = k + rel;
            switch (s[i])
            {
                case '(':
                    var p = s[..i].TrimEnd('\t', '\n', '\f', '\r', ' ');
                    if (EndsWithCssKeyword(p, "url"))
                    {
                        var j = s.Length - s[(i + 1)..].TrimStart('\t', '\n', '\f', '\r', ' ').Length;
                        if (j != s.Length && s[j] == '"')
                        {
                            return (c with { State = HtmlState.stateCSSDqURL }, j + 1);
                        }

                        if (j != s.Length && s[j] == '\'')
                        {
                            return (c with { State = HtmlState.stateCSSSqURL }, j + 1);
                        }

                        return (c with { State = HtmlState.stateCSSURL }, j);
                    }

                    break;
                case '/':
                    if (i + 1 < s.Length)
                    {
                        if (s[i + 1] == '/')
                        {
                            return (c with { State = HtmlState.stateCSSLineCmt }, i + 2);
                        }

                        if (s[i + 1] == '*')
                        {
                            return (c with { State = HtmlState.stateCSSBlockCmt }, i + 2);
                        }
                    }

                    break;
                case '"':
                    return (c with { State = HtmlState.stateCSSDqStr }, i + 1);
                case '\'':
                    return (c with { State = HtmlState.stateCSSSqStr }, i + 1);
            }

            k = i + 1;
        }
    }

    private static (HtmlContext, int) TCssStr(HtmlContext c, string s)
    {
        var endAndEsc = c.State switch
        {
            HtmlState.stateCSSDqStr or HtmlState.stateCSSDqURL => "\\\"",
            HtmlState.stateCSSSqStr or HtmlState.stateCSSSqURL => "\\'",
            _ => "\\\t\n\f\r )", // unquoted url(…) ends at white space or ')'
        };
        var k = 0;
        while (true)
        {
            var rel = s.AsSpan(k).IndexOfAny(endAndEsc);
            if (rel < 0)
            {
                var (c2, _) = TUrl(c, HtmlEscapingFunctions.DecodeCss(s[k..]));
                return (c2, s.Length);
            }

            var i = k + rel;
            if (s[i] == '\\')
            {
                i++;
                if (i == s.Length)
                {
                    return (HtmlContext.Fail(new HtmlEscapeError(null, 0, $"unfinished escape sequence in CSS string: {GoQuoteBytes(s)}")), s.Length);
                }
            }
            else
            {
                return (c with { State = HtmlState.stateCSS }, i + 1);
            }

            (c, _) = TUrl(c, HtmlEscapingFunctions.DecodeCss(s[..(i + 1)]));
            k = i + 1;
        }
    }

    private static bool EndsWithCssKeyword(string b, string kw)
    {
        var i = b.Length - kw.Length;
        if (i < 0)
        {
            return false;
        }

        if (i != 0 && HtmlEscapingFunctions.IsCssNmchar(b[i - 1]))
        {
            return false;
        }

        return string.Equals(b[i..], kw, StringComparison.OrdinalIgnoreCase);
    }

    private static (int, HtmlEscapeError?) EatAttrName(string s, int i)
    {
        for (var j = i; j < s.Length; j++)
        {
            switch (s[j])
            {
                case ' ' or '\t' or '\n' or '\f' or '\r' or '=' or '>':
                    return (j, null);
                case '\'' or '"' or '<':
                    // A quote or '<' in an attribute name is a parse error in HTML5 and a sign of a broken template.
                    return (-1, new HtmlEscapeError(null, 0, $"{GoQuoteBytes(s[j].ToString())} in attribute name: {GoQuoteBytes(s.Length > 32 ? s[..32] : s)}"));
            }
        }

        return (s.Length, null);
    }

    private static bool AsciiAlpha(char c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z';

    private static bool AsciiAlphaNum(char c) => AsciiAlpha(c) || c is >= '0' and <= '9';

    private static (int, HtmlElement) EatTagName(string s, int i)
    {
        if (i == s.Length || !AsciiAlpha(s[i]))
        {
            return (i, HtmlElement.elementNone);
        }

        var j = i + 1;
        while (j < s.Length)
        {
            var x = s[j];
            if (AsciiAlphaNum(x))
            {
                j++;
                continue;
            }

            // "x-y" and "x:y" are tag names; "x-", "-y" and "x--y" are not.
            if (x is ':' or '-' && j + 1 < s.Length && AsciiAlphaNum(s[j + 1]))
            {
                j += 2;
                continue;
            }

            break;
        }

        var e = s[i..j].ToLowerInvariant() switch
        {
            "script" => HtmlElement.elementScript,
            "style" => HtmlElement.elementStyle,
            "textarea" => HtmlElement.elementTextarea,
            "title" => HtmlElement.elementTitle,
            _ => HtmlElement.elementNone,
        };
        return (j, e);
    }

    public static int EatWhiteSpace(string s, int i)
    {
        for (var j = i; j < s.Length; j++)
        {
            if (s[j] is not (' ' or '\t' or '\n' or '\f' or '\r'))
            {
                return j;
            }
        }

        return s.Length;
    }

    /// <summary>
    /// Starts in <paramref name="c"/>, consumes tokens from the front of <paramref name="s"/> and returns the
    /// context after them with how much was consumed (Go's contextAfterText).
    /// </summary>
    public static (HtmlContext, int) ContextAfterText(HtmlContext c, string s)
    {
        if (c.Delim == HtmlDelim.delimNone)
        {
            var (c1, i) = TSpecialTagEnd(c, s);
            if (i == 0)
            {
                // A special end tag (</script>) starts here: everything before it has been consumed.
                return (c1, 0);
            }

            return Step(c, s[..i]);
        }

        // Inside an attribute value.
        var delimEnds = c.Delim switch
        {
            HtmlDelim.delimDoubleQuote => "\"",
            HtmlDelim.delimSingleQuote => "'",
            _ => " \t\n\f\r>",
        };
        var end = s.AsSpan().IndexOfAny(delimEnds);
        if (end == -1)
        {
            end = s.Length;
        }

        if (c.Delim == HtmlDelim.delimSpaceOrTagEnd)
        {
            // The HTML5 unquoted-attribute-value state treats these as parse errors; parsers disagree on them.
            var j = s.AsSpan(0, end).IndexOfAny("\"'<=`");
            if (j >= 0)
            {
                return (HtmlContext.Fail(new HtmlEscapeError(null, 0, $"{GoQuoteBytes(s[j].ToString())} in unquoted attr: {GoQuoteBytes(s[..end])}")), s.Length);
            }
        }

        if (end == s.Length)
        {
            // Still inside the value: decode entities so that JS/CSS/URL rules see the real characters.
            var u = WebUtility.HtmlDecode(s);
            while (u.Length != 0)
            {
                var (c1, i1) = Step(c, u);
                c = c1;
                u = u[i1..];
            }

            return (c, s.Length);
        }

        var element = c.Element;
        if (c.State == HtmlState.stateAttr && c.Element == HtmlElement.elementScript && c.Attr == HtmlAttr.attrScriptType && !IsJsType(s[..end]))
        {
            // <script type="text/template"> is not JavaScript.
            element = HtmlElement.elementNone;
        }

        if (c.Delim != HtmlDelim.delimSpaceOrTagEnd)
        {
            end++; // the closing quote
        }

        return (new HtmlContext(HtmlState.stateTag, Element: element), end);
    }

    private static bool IsJsType(string mimeType)
    {
        var t = mimeType;
        var semi = t.IndexOf(';', StringComparison.Ordinal);
        if (semi >= 0)
        {
            t = t[..semi];
        }

        t = t.ToLowerInvariant().Trim();
        return t is "application/ecmascript" or "application/javascript" or "application/json" or "application/ld+json"
            or "application/x-ecmascript" or "application/x-javascript" or "module" or "text/ecmascript" or "text/javascript"
            or "text/javascript1.0" or "text/javascript1.1" or "text/javascript1.2" or "text/javascript1.3" or "text/javascript1.4"
            or "text/javascript1.5" or "text/jscript" or "text/livescript" or "text/x-ecmascript" or "text/x-javascript";
    }

    private static readonly HashSet<string> RegexpPrecederKeywords = new(StringComparer.Ordinal)
    {
        "break", "case", "continue", "delete", "do", "else", "finally", "in", "instanceof", "return", "throw", "try", "typeof", "void",
    };

    /// <summary>Whether a '/' after <paramref name="s"/> starts a regexp or a division (Go's nextJSCtx).</summary>
    public static JsCtx NextJsCtx(string s, JsCtx preceding)
    {
        s = s.TrimEnd('\t', '\n', '\f', '\r', ' ', '\u2028', '\u2029');
        if (s.Length == 0)
        {
            return preceding;
        }

        var n = s.Length;
        var c = s[n - 1];
        switch (c)
        {
            case '+' or '-':
                // ++ and -- precede a division; a lone + or - (prefix or infix) precedes a regexp.
                var start = n - 1;
                while (start > 0 && s[start - 1] == c)
                {
                    start--;
                }

                return ((n - start) & 1) == 1 ? JsCtx.jsCtxRegexp : JsCtx.jsCtxDivOp;
            case '.':
                return n != 1 && s[n - 2] is >= '0' and <= '9' ? JsCtx.jsCtxDivOp : JsCtx.jsCtxRegexp;
            case ',' or '<' or '>' or '=' or '*' or '%' or '&' or '|' or '^' or '?' or '!' or '~' or '(' or '[' or ':' or ';' or '{' or '}':
                return JsCtx.jsCtxRegexp;
            default:
                var j = n;
                while (j > 0 && HtmlEscapingFunctions.IsJsIdentPart(s[j - 1]))
                {
                    j--;
                }

                if (RegexpPrecederKeywords.Contains(s[j..]))
                {
                    return JsCtx.jsCtxRegexp;
                }

                return JsCtx.jsCtxDivOp;
        }
    }

    /// <summary>Go's %q of a byte string (as the error messages print it).</summary>
    public static string GoQuoteBytes(string s) => Parsing.GoQuote.Quote(s);
}
