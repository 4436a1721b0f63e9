using Promoter.Templating.Parsing;

namespace Promoter.Templating.Html;

/// <summary>
/// Go html/template's escaper (escape.go, Go 1.19) over this engine's parse trees: walks a template from
/// the text context, follows the HTML context through its text, and appends to every action's pipeline
/// the escapers its context needs. A template called in a non-text context is escaped as a copy named
/// <c>name$htmltemplate_…</c>. Edits are collected and applied only when the whole walk succeeded.
/// The trees it edits must be private copies (see <see cref="TreeCopy"/>).
/// </summary>
internal sealed class HtmlEscaper
{
    private readonly Dictionary<string, Tree> _set;
    private readonly Dictionary<string, HtmlContext> _output = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tree> _derived = new(StringComparer.Ordinal);
    private readonly HashSet<string> _called = new(StringComparer.Ordinal);
    private readonly Dictionary<ActionNode, List<string>> _actionEdits = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TemplateNode, string> _templateEdits = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TextNode, string> _textEdits = new(ReferenceEqualityComparer.Instance);
    private RangeContext? _range;

    private sealed class RangeContext(RangeContext? outer)
    {
        public RangeContext? Outer { get; } = outer;

        public List<HtmlContext> Breaks { get; } = [];

        public List<HtmlContext> Continues { get; } = [];
    }

    public HtmlEscaper(Dictionary<string, Tree> set) => _set = set;

    private HtmlEscaper(HtmlEscaper parent)
    {
        _set = parent._set;
        _range = parent._range;
        foreach (var (k, v) in parent._output)
        {
            _output[k] = v;
        }

        // Derived templates made by the parent must be visible to the child (Go looks them up in e.derived
        // of the child only after they are committed; copying keeps one copy per mangled name).
        foreach (var (k, v) in parent._derived)
        {
            _derived[k] = v;
        }
    }

    /// <summary>Escapes the named template and everything it calls; on success the set is edited.</summary>
    /// <exception cref="HtmlEscapeException">The template cannot be escaped (ambiguous or broken HTML).</exception>
    public void EscapeTemplate(string name)
    {
        var (c, _) = EscapeTree(HtmlContext.Start, null, name, 0);
        HtmlEscapeError? err = null;
        if (c.Error is not null)
        {
            err = c.Error;
            err.Name = name;
        }
        else if (c.State != HtmlState.stateText)
        {
            err = new HtmlEscapeError(null, 0, $"ends in a non-text context: {c}") { Name = name };
        }

        if (err is not null)
        {
            throw new HtmlEscapeException(err.Text, name, err.Line);
        }

        Commit();
    }

    private HtmlContext Escape(HtmlContext c, Node n)
    {
        switch (n)
        {
            case ActionNode a:
                return EscapeAction(c, a);
            case BreakNode:
                _range!.Breaks.Add(c with { At = n });
                return new HtmlContext(HtmlState.stateDead);
            case ContinueNode:
                // Go's escaper sets continues to breaks + this context (escape.go); kept for identical results.
                var continues = new List<HtmlContext>(_range!.Breaks) { c with { At = n } };
                _range.Continues.Clear();
                _range.Continues.AddRange(continues);
                return new HtmlContext(HtmlState.stateDead);
            case CommentNode:
                return c;
            case BranchNode b:
                return EscapeBranch(c, b, b.Kind switch { BranchKind.If => "if", BranchKind.Range => "range", _ => "with" });
            case ListNode l:
                return EscapeList(c, l);
            case TemplateNode t:
                return EscapeTemplateCall(c, t);
            case TextNode t:
                return EscapeText(c, t);
            default:
                throw new InvalidOperationException("escaping " + n + " is unimplemented");
        }
    }

    private static readonly HashSet<string> PredefinedEscapers = new(StringComparer.Ordinal) { "html", "urlquery" };

    private HtmlContext EscapeAction(HtmlContext c, ActionNode n)
    {
        if (n.Pipe.Decl.Count != 0)
        {
            // A variable assignment prints nothing.
            return c;
        }

        c = Nudge(c);
        for (var pos = 0; pos < n.Pipe.Cmds.Count; pos++)
        {
            if (n.Pipe.Cmds[pos].Args[0] is IdentifierNode id && PredefinedEscapers.Contains(id.Ident))
            {
                if (pos < n.Pipe.Cmds.Count - 1 || (c.State == HtmlState.stateAttr && c.Delim == HtmlDelim.delimSpaceOrTagEnd && id.Ident == "html"))
                {
                    return HtmlContext.Fail(new HtmlEscapeError(n, n.Line, $"predefined escaper {Parsing.GoQuote.Quote(id.Ident)} disallowed in template"));
                }
            }
        }

        var s = new List<string>(3);
        switch (c.State)
        {
            case HtmlState.stateError:
                return c;
            case HtmlState.stateURL or HtmlState.stateCSSDqStr or HtmlState.stateCSSSqStr or HtmlState.stateCSSDqURL or HtmlState.stateCSSSqURL or HtmlState.stateCSSURL:
                switch (c.UrlPart)
                {
                    case UrlPart.urlPartNone:
                        s.Add("_html_template_urlfilter");
                        goto case UrlPart.urlPartPreQuery;
                    case UrlPart.urlPartPreQuery:
                        s.Add(c.State is HtmlState.stateCSSDqStr or HtmlState.stateCSSSqStr ? "_html_template_cssescaper" : "_html_template_urlnormalizer");
                        break;
                    case UrlPart.urlPartQueryOrFrag:
                        s.Add("_html_template_urlescaper");
                        break;
                    default:
                        return HtmlContext.Fail(new HtmlEscapeError(n, n.Line, $"{n} appears in an ambiguous context within a URL"));
                }

                break;
            case HtmlState.stateJS:
                s.Add("_html_template_jsvalescaper");
                // A slash after a value is a division.
                c = c with { JsCtx = JsCtx.jsCtxDivOp };
                break;
            case HtmlState.stateJSDqStr or HtmlState.stateJSSqStr:
                s.Add("_html_template_jsstrescaper");
                break;
            case HtmlState.stateJSBqStr:
                // Go 1.19.8 (CVE-2023-24538): actions in JS template literals are refused.
                return HtmlContext.Fail(new HtmlEscapeError(n, n.Line, $"{n} appears in a JS template literal"));
            case HtmlState.stateJSRegexp:
                s.Add("_html_template_jsregexpescaper");
                break;
            case HtmlState.stateCSS:
                s.Add("_html_template_cssvaluefilter");
                break;
            case HtmlState.stateText:
                s.Add("_html_template_htmlescaper");
                break;
            case HtmlState.stateRCDATA:
                s.Add("_html_template_rcdataescaper");
                break;
            case HtmlState.stateAttr:
                break;
            case HtmlState.stateAttrName or HtmlState.stateTag:
                c = c with { State = HtmlState.stateAttrName };
                s.Add("_html_template_htmlnamefilter");
                break;
            case HtmlState.stateSrcset:
                s.Add("_html_template_srcsetescaper");
                break;
            default:
                if (c.IsComment)
                {
                    s.Add("_html_template_commentescaper");
                    break;
                }

                throw new InvalidOperationException("unexpected state " + c.State);
        }

        switch (c.Delim)
        {
            case HtmlDelim.delimNone:
                break;
            case HtmlDelim.delimSpaceOrTagEnd:
                s.Add("_html_template_nospaceescaper");
                break;
            default:
                s.Add("_html_template_attrescaper");
                break;
        }

        _actionEdits[n] = s;
        return c;
    }

    private static HtmlContext Nudge(HtmlContext c) => c.State switch
    {
        // <foo {{.}}: the action is an attribute name.
        HtmlState.stateTag => c with { State = HtmlState.stateAttrName },
        // <foo bar={{.}}: an unquoted value.
        HtmlState.stateBeforeValue => c with { State = HtmlTransitions.AttrStartState(c.Attr), Delim = HtmlDelim.delimSpaceOrTagEnd, Attr = HtmlAttr.attrNone },
        // <foo bar {{.}}: an attribute name.
        HtmlState.stateAfterName => c with { State = HtmlState.stateAttrName, Attr = HtmlAttr.attrNone },
        _ => c,
    };

    private static HtmlContext Join(HtmlContext a, HtmlContext b, Node? node, string nodeName)
    {
        if (a.State == HtmlState.stateError)
        {
            return a;
        }

        if (b.State == HtmlState.stateError)
        {
            return b;
        }

        if (a.State == HtmlState.stateDead)
        {
            return b;
        }

        if (b.State == HtmlState.stateDead)
        {
            return a;
        }

        if (a.Same(b))
        {
            return a;
        }

        var c = a with { UrlPart = b.UrlPart };
        if (c.Same(b))
        {
            return c with { UrlPart = UrlPart.urlPartUnknown };
        }

        c = a with { JsCtx = b.JsCtx };
        if (c.Same(b))
        {
            return c with { JsCtx = JsCtx.jsCtxUnknown };
        }

        // A nudged context may join an un-nudged one: <p title={{if .C}}{{.}}{{end}}.
        var na = Nudge(a);
        var nb = Nudge(b);
        if (!(na.Same(a) && nb.Same(b)))
        {
            var e = Join(na, nb, node, nodeName);
            if (e.State != HtmlState.stateError)
            {
                return e;
            }
        }

        return HtmlContext.Fail(new HtmlEscapeError(node, 0, $"{{{{{nodeName}}}}} branches end in different contexts: {a}, {b}"));
    }

    private HtmlContext EscapeBranch(HtmlContext c, BranchNode n, string nodeName)
    {
        if (nodeName == "range")
        {
            _range = new RangeContext(_range);
        }

        var c0 = EscapeList(c, n.List);
        if (nodeName == "range")
        {
            if (c0.State != HtmlState.stateError)
            {
                c0 = JoinRange(c0, _range!);
            }

            _range = _range!.Outer;
            if (c0.State == HtmlState.stateError)
            {
                return c0;
            }

            // The body of a range can run again: it must end where it started.
            _range = new RangeContext(_range);
            var (c1, _) = EscapeListConditionally(c0, n.List, null);
            c0 = Join(c0, c1, n, nodeName);
            if (c0.State == HtmlState.stateError)
            {
                _range = _range.Outer;
                c0.Error!.Line = n.Line;
                c0.Error.Description = "on range loop re-entry: " + c0.Error.Description;
                return c0;
            }

            c0 = JoinRange(c0, _range);
            _range = _range.Outer;
            if (c0.State == HtmlState.stateError)
            {
                return c0;
            }
        }

        var c2 = EscapeList(c, n.ElseList);
        return Join(c0, c2, n, nodeName);
    }

    private static HtmlContext JoinRange(HtmlContext c0, RangeContext rc)
    {
        foreach (var c in rc.Breaks)
        {
            c0 = Join(c0, c, c.At, "range");
            if (c0.State == HtmlState.stateError)
            {
                c0.Error!.Description = "at range loop break: " + c0.Error.Description;
                return c0;
            }
        }

        foreach (var c in rc.Continues)
        {
            c0 = Join(c0, c, c.At, "range");
            if (c0.State == HtmlState.stateError)
            {
                c0.Error!.Description = "at range loop continue: " + c0.Error.Description;
                return c0;
            }
        }

        return c0;
    }

    private HtmlContext EscapeList(HtmlContext c, ListNode? n)
    {
        if (n is null)
        {
            return c;
        }

        foreach (var m in n.Nodes)
        {
            c = Escape(c, m);
            if (c.State == HtmlState.stateDead)
            {
                break;
            }
        }

        return c;
    }

    /// <summary>Escapes a list with a scratch escaper and keeps its edits only when <paramref name="filter"/> accepts.</summary>
    private (HtmlContext, bool) EscapeListConditionally(HtmlContext c, ListNode n, Func<HtmlEscaper, HtmlContext, bool>? filter)
    {
        var e1 = new HtmlEscaper(this);
        c = e1.EscapeList(c, n);
        var ok = filter is not null && filter(e1, c);
        if (ok)
        {
            foreach (var (k, v) in e1._output)
            {
                _output[k] = v;
            }

            foreach (var (k, v) in e1._derived)
            {
                _derived[k] = v;
            }

            _called.UnionWith(e1._called);
            foreach (var (k, v) in e1._actionEdits)
            {
                _actionEdits[k] = v;
            }

            foreach (var (k, v) in e1._templateEdits)
            {
                _templateEdits[k] = v;
            }

            foreach (var (k, v) in e1._textEdits)
            {
                _textEdits[k] = v;
            }
        }

        return (c, ok);
    }

    private HtmlContext EscapeTemplateCall(HtmlContext c, TemplateNode n)
    {
        var (c1, name) = EscapeTree(c, n, n.Name, n.Line);
        if (name != n.Name)
        {
            _templateEdits[n] = name;
        }

        return c1;
    }

    private Tree? Lookup(string name) => _set.TryGetValue(name, out var t) ? t : _derived.GetValueOrDefault(name);

    private (HtmlContext, string) EscapeTree(HtmlContext c, Node? node, string name, int line)
    {
        var dname = c.Mangle(name);
        _called.Add(dname);
        if (_output.TryGetValue(dname, out var done))
        {
            return (done, dname);
        }

        var t = Lookup(name);
        if (t is null)
        {
            return (HtmlContext.Fail(new HtmlEscapeError(node, line, $"no such template {Parsing.GoQuote.Quote(name)}")), dname);
        }

        if (dname != name)
        {
            var dt = Lookup(dname);
            if (dt is null)
            {
                dt = new Tree(dname, t.ParseName, t.Text) { Root = TreeCopy.List(t.Root) };
                _derived[dname] = dt;
            }

            t = dt;
        }

        return (ComputeOutCtx(c, t), dname);
    }

    private HtmlContext ComputeOutCtx(HtmlContext c, Tree t)
    {
        var (c1, ok) = EscapeTemplateBody(c, t);
        if (!ok)
        {
            // Assume c1 is the output context and look for a fixed point.
            var (c2, ok2) = EscapeTemplateBody(c1, t);
            if (ok2)
            {
                c1 = c2;
                ok = true;
            }
        }

        if (!ok && c1.State != HtmlState.stateError)
        {
            return HtmlContext.Fail(new HtmlEscapeError(t.Root, 0, $"cannot compute output context for template {t.Name}"));
        }

        return c1;
    }

    private (HtmlContext, bool) EscapeTemplateBody(HtmlContext c, Tree t)
    {
        bool Filter(HtmlEscaper e1, HtmlContext c1)
        {
            if (c1.State == HtmlState.stateError)
            {
                return false;
            }

            // Not called recursively: c1 is exact. Otherwise it must match the assumed output context.
            return !e1._called.Contains(t.Name) || c.Same(c1);
        }

        // Assume the output context equals the input so recursive calls end (right >90% of the time).
        _output[t.Name] = c;
        return EscapeListConditionally(c, t.Root, Filter);
    }

    private HtmlContext EscapeText(HtmlContext c, TextNode n)
    {
        var s = n.Text;
        var written = 0;
        var i = 0;
        System.Text.StringBuilder? b = null;
        while (i != s.Length)
        {
            var (c1, nread) = HtmlTransitions.ContextAfterText(c, s[i..]);
            var i1 = i + nread;
            if (c.State is HtmlState.stateText or HtmlState.stateRCDATA)
            {
                var end = i1;
                if (c1.State != c.State)
                {
                    for (var j = end - 1; j >= i; j--)
                    {
                        if (s[j] == '<')
                        {
                            end = j;
                            break;
                        }
                    }
                }

                for (var j = i; j < end; j++)
                {
                    // A '<' that starts no tag is written as &lt; (a doctype is left alone).
                    if (s[j] == '<' && !s.AsSpan(j).StartsWith("<!DOCTYPE", StringComparison.OrdinalIgnoreCase))
                    {
                        b ??= new System.Text.StringBuilder();
                        b.Append(s, written, j - written).Append("&lt;");
                        written = j + 1;
                    }
                }
            }
            else if (c.IsComment && c.Delim == HtmlDelim.delimNone)
            {
                b ??= new System.Text.StringBuilder();
                switch (c.State)
                {
                    case HtmlState.stateJSBlockCmt:
                        // ECMAScript 7.4: a block comment with a line terminator counts as a line terminator.
                        b.Append(s.AsSpan(written, i1 - written).IndexOfAny("\n\r\u2028\u2029") >= 0 ? '\n' : ' ');
                        break;
                    case HtmlState.stateCSSBlockCmt:
                        b.Append(' ');
                        break;
                }

                written = i1;
            }

            if (c.State != c1.State && c1.IsComment && c1.Delim == HtmlDelim.delimNone)
            {
                // Keep the text before the comment opener; the comment itself is dropped.
                var cs = i1 - 2;
                if (c1.State == HtmlState.stateHTMLCmt)
                {
                    cs -= 2;
                }

                b ??= new System.Text.StringBuilder();
                b.Append(s, written, cs - written);
                written = i1;
            }

            if (i == i1 && c.State == c1.State)
            {
                throw new InvalidOperationException($"infinite loop from {c} to {c1} on {s[..i]}..{s[i..]}");
            }

            c = c1;
            i = i1;
        }

        if (written != 0 && c.State != HtmlState.stateError)
        {
            b ??= new System.Text.StringBuilder();
            if (!c.IsComment || c.Delim != HtmlDelim.delimNone)
            {
                b.Append(s, written, s.Length - written);
            }

            _textEdits[n] = b.ToString();
        }

        return c;
    }

    // ---- commit ----

    private static readonly Dictionary<string, string> EquivEscapers = new(StringComparer.Ordinal)
    {
        // These escape \0 ' " & < > and so give the same guarantees as "html".
        ["_html_template_attrescaper"] = "html",
        ["_html_template_htmlescaper"] = "html",
        ["_html_template_rcdataescaper"] = "html",
        // urlquery percent-encodes every reserved character (RFC 3986 2.2).
        ["_html_template_urlescaper"] = "urlquery",
        // Not equivalent (urlquery is stricter), kept for templates written before Go 1.9.
        ["_html_template_urlnormalizer"] = "urlquery",
    };

    private static string NormalizeEscFn(string e) => EquivEscapers.GetValueOrDefault(e, e);

    private static readonly Dictionary<string, HashSet<string>> RedundantFuncs = new(StringComparer.Ordinal)
    {
        ["_html_template_commentescaper"] = ["_html_template_attrescaper", "_html_template_htmlescaper"],
        ["_html_template_cssescaper"] = ["_html_template_attrescaper"],
        ["_html_template_jsregexpescaper"] = ["_html_template_attrescaper"],
        ["_html_template_jsstrescaper"] = ["_html_template_attrescaper"],
        ["_html_template_urlescaper"] = ["_html_template_urlnormalizer"],
    };

    private static void AppendCmd(List<CommandNode> cmds, CommandNode cmd)
    {
        if (cmds.Count != 0 && cmds[^1].Args[0] is IdentifierNode last && cmd.Args[0] is IdentifierNode next
            && RedundantFuncs.TryGetValue(last.Ident, out var r) && r.Contains(next.Ident))
        {
            return;
        }

        cmds.Add(cmd);
    }

    private static CommandNode IdentCmd(string ident, PipeNode p)
    {
        var cmd = new CommandNode(p.Pos, p.Tree);
        cmd.Args.Add(new IdentifierNode(p.Pos, p.Tree, ident));
        return cmd;
    }

    /// <summary>Appends the escapers to a pipeline, merging with a trailing html or urlquery (Go's ensurePipelineContains).</summary>
    private static void EnsurePipelineContains(PipeNode p, List<string> s)
    {
        if (s.Count == 0)
        {
            return;
        }

        var pipelineLen = p.Cmds.Count;
        if (pipelineLen > 0 && p.Cmds[^1].Args[0] is IdentifierNode idNode && PredefinedEscapers.Contains(idNode.Ident))
        {
            var esc = idNode.Ident;
            var lastCmd = p.Cmds[^1];
            if (p.Cmds.Count == 1 && lastCmd.Args.Count > 1)
            {
                // {{ esc a b }} becomes {{ _eval_args_ a b | esc }} so esc can merge with the escapers.
                lastCmd.Args[0] = new IdentifierNode(idNode.Pos, idNode.Tree, "_eval_args_");
                p.Cmds.Add(IdentCmd(esc, p));
                pipelineLen++;
            }

            var dup = false;
            for (var i = 0; i < s.Count; i++)
            {
                if (NormalizeEscFn(esc) == NormalizeEscFn(s[i]))
                {
                    s[i] = esc;
                    dup = true;
                }
            }

            if (dup)
            {
                pipelineLen--;
            }
        }

        var newCmds = new List<CommandNode>(pipelineLen + s.Count);
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < pipelineLen; i++)
        {
            newCmds.Add(p.Cmds[i]);
            if (p.Cmds[i].Args[0] is IdentifierNode id)
            {
                inserted.Add(NormalizeEscFn(id.Ident));
            }
        }

        foreach (var name in s)
        {
            if (!inserted.Contains(NormalizeEscFn(name)))
            {
                AppendCmd(newCmds, IdentCmd(name, p));
            }
        }

        p.Cmds.Clear();
        p.Cmds.AddRange(newCmds);
    }

    private void Commit()
    {
        foreach (var (name, t) in _derived)
        {
            _set[name] = t;
        }

        foreach (var (n, s) in _actionEdits)
        {
            EnsurePipelineContains(n.Pipe, s);
        }

        foreach (var (n, name) in _templateEdits)
        {
            n.Name = name;
        }

        foreach (var (n, text) in _textEdits)
        {
            n.Text = text;
        }
    }
}
