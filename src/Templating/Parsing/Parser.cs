using System.Globalization;
using System.Numerics;
using System.Text;

namespace Promoter.Templating.Parsing;

/// <summary>
/// Builds trees from tokens following Go's text/template/parse rules and messages: functions must be known
/// at parse time, variables must be declared, {{break}}/{{continue}} only inside {{range}}, a {{define}} only
/// at top level, and a name defined twice (non-empty) in one source is an error.
/// </summary>
internal sealed class Parser
{
    private readonly Tree _tree;
    private readonly List<Item> _items;
    private readonly Func<string, bool> _hasFunction;
    private readonly Dictionary<string, Tree> _treeSet;
    private int _index;
    private List<string> _vars = ["$"];
    private int _actionLine;
    private int _rangeDepth;

    private Parser(Tree tree, List<Item> items, int index, Func<string, bool> hasFunction, Dictionary<string, Tree> treeSet)
    {
        _tree = tree;
        _items = items;
        _index = index;
        _hasFunction = hasFunction;
        _treeSet = treeSet;
    }

    /// <summary>Parses one source; returns every template it defines, the top level under <paramref name="name"/>.</summary>
    public static Dictionary<string, Tree> Parse(string name, string text, Func<string, bool> hasFunction)
    {
        var items = Lexer.Lex(text);
        var treeSet = new Dictionary<string, Tree>(StringComparer.Ordinal);
        var tree = new Tree(name, name, text);
        var p = new Parser(tree, items, 0, hasFunction, treeSet);
        p.ParseTop();
        p.Add();
        return treeSet;
    }

    private Item NextItem() => _items[Math.Min(_index++, _items.Count - 1)];

    private Item Peek() => _items[Math.Min(_index, _items.Count - 1)];

    private void Backup(int n = 1) => _index -= n;

    private Item NextNonSpace()
    {
        Item t;
        do
        {
            t = NextItem();
        }
        while (t.Type == ItemType.Space);
        return t;
    }

    private Item PeekNonSpace()
    {
        var t = NextNonSpace();
        Backup();
        return t;
    }

    // The line Go attributes an error to: that of the token last read (t.token[0] in Go).
    private int CurrentLine => _items[Math.Clamp(_index - 1, 0, _items.Count - 1)].Line;

    private int CurrentPos => _items[Math.Clamp(_index - 1, 0, _items.Count - 1)].Pos;

    private TemplateParseException Error(string message)
    {
        var line = CurrentLine;
        var (_, col) = _tree.LineColumn(CurrentPos);
        return new TemplateParseException($"template: {_tree.ParseName}:{line}: {message}", _tree.ParseName, line, col, message);
    }

    private Item Expect(ItemType expected, string context)
    {
        var token = NextNonSpace();
        if (token.Type != expected)
        {
            throw Unexpected(token, context);
        }

        return token;
    }

    private TemplateParseException Unexpected(Item item, string context)
    {
        if (item.Type == ItemType.Error)
        {
            var extra = "";
            if (_actionLine != 0 && _actionLine != item.Line)
            {
                extra = $" in action started at {_tree.ParseName}:{_actionLine}";
                if (item.Value.EndsWith(" action", StringComparison.Ordinal))
                {
                    extra = extra[" in action".Length..];
                }
            }

            return Error(item.Value + extra);
        }

        return Error($"unexpected {item} in {context}");
    }

    private void ParseTop()
    {
        _tree.Root = new ListNode(Peek().Pos, _tree);
        while (Peek().Type != ItemType.EOF)
        {
            if (Peek().Type == ItemType.LeftDelim)
            {
                var delimIndex = _index;
                NextItem();
                if (NextNonSpace().Type == ItemType.Define)
                {
                    var def = new Tree("definition", _tree.ParseName, _tree.Text);
                    var sub = new Parser(def, _items, _index, _hasFunction, _treeSet);
                    sub.ParseDefinition();
                    _index = sub._index;
                    continue;
                }

                _index = delimIndex;
            }

            var n = TextOrAction();
            if (n is EndNode or ElseNode)
            {
                throw Error($"unexpected {n}");
            }

            _tree.Root.Nodes.Add(n);
        }
    }

    private void ParseDefinition()
    {
        const string context = "define clause";
        var name = NextNonSpace();
        if (name.Type is not (ItemType.String or ItemType.RawString))
        {
            throw Unexpected(name, context);
        }

        _tree.Name = Unquote(name.Value);
        Expect(ItemType.RightDelim, context);
        var (list, end) = ItemList();
        if (end is not EndNode)
        {
            throw Error($"unexpected {end} in {context}");
        }

        _tree.Root = list;
        Add();
    }

    private void Add()
    {
        if (!_treeSet.TryGetValue(_tree.Name, out var existing) || Tree.IsEmpty(existing.Root))
        {
            _treeSet[_tree.Name] = _tree;
            return;
        }

        if (!Tree.IsEmpty(_tree.Root))
        {
            throw Error($"template: multiple definition of template {GoQuote.Quote(_tree.Name)}");
        }
    }

    private (ListNode List, Node End) ItemList()
    {
        var list = new ListNode(PeekNonSpace().Pos, _tree);
        while (PeekNonSpace().Type != ItemType.EOF)
        {
            var n = TextOrAction();
            if (n is EndNode or ElseNode)
            {
                return (list, n);
            }

            list.Nodes.Add(n);
        }

        NextNonSpace();
        throw Error("unexpected EOF");
    }

    private Node TextOrAction()
    {
        var token = NextNonSpace();
        switch (token.Type)
        {
            case ItemType.Text:
                return new TextNode(token.Pos, _tree, token.Value);
            case ItemType.LeftDelim:
                _actionLine = token.Line;
                try
                {
                    return Action();
                }
                finally
                {
                    _actionLine = 0;
                }

            case ItemType.Comment:
                return new CommentNode(token.Pos, _tree, token.Value);
            default:
                throw Unexpected(token, "input");
        }
    }

    private Node Action()
    {
        var token = NextNonSpace();
        switch (token.Type)
        {
            case ItemType.Block: return BlockControl();
            case ItemType.Break: return BreakControl(token, true);
            case ItemType.Continue: return BreakControl(token, false);
            case ItemType.Else: return ElseControl();
            case ItemType.End: return new EndNode(Expect(ItemType.RightDelim, "end").Pos, _tree);
            case ItemType.If: return Control(BranchKind.If, "if");
            case ItemType.Range: return Control(BranchKind.Range, "range");
            case ItemType.Template: return TemplateControl();
            case ItemType.With: return Control(BranchKind.With, "with");
        }

        Backup();
        var t = Peek();
        return new ActionNode(t.Pos, _tree, t.Line, Pipeline("command", ItemType.RightDelim));
    }

    private Node BreakControl(Item keyword, bool isBreak)
    {
        var token = NextNonSpace();
        if (token.Type != ItemType.RightDelim)
        {
            throw Unexpected(token, isBreak ? "{{break}}" : "{{continue}}");
        }

        if (_rangeDepth == 0)
        {
            throw Error(isBreak ? "{{break}} outside {{range}}" : "{{continue}} outside {{range}}");
        }

        return isBreak ? new BreakNode(keyword.Pos, _tree) : new ContinueNode(keyword.Pos, _tree);
    }

    private Node ElseControl()
    {
        var peek = PeekNonSpace();
        // "{{else if …" and "{{else with …" are rewritten as {{else}}{{if …}}…{{end}}{{end}}.
        if (peek.Type is ItemType.If or ItemType.With)
        {
            return new ElseNode(peek.Pos, _tree, peek.Line);
        }

        var token = Expect(ItemType.RightDelim, "else");
        return new ElseNode(token.Pos, _tree, token.Line);
    }

    private BranchNode Control(BranchKind kind, string context)
    {
        var mark = _vars.Count;
        try
        {
            var pipe = Pipeline(context, ItemType.RightDelim);
            if (kind == BranchKind.Range)
            {
                _rangeDepth++;
            }

            var (list, next) = ItemList();
            if (kind == BranchKind.Range)
            {
                _rangeDepth--;
            }

            ListNode? elseList = null;
            if (next is ElseNode)
            {
                var chained = kind switch { BranchKind.If => ItemType.If, BranchKind.With => ItemType.With, _ => ItemType.EOF };
                if (chained != ItemType.EOF && Peek().Type == chained)
                {
                    NextItem();
                    elseList = new ListNode(next.Pos, _tree);
                    elseList.Nodes.Add(Control(kind, context));
                }
                else
                {
                    (elseList, next) = ItemList();
                    if (next is not EndNode)
                    {
                        throw Error($"expected end; found {next}");
                    }
                }
            }

            return new BranchNode(kind, pipe.Pos, _tree, pipe.Line, pipe, list, elseList);
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private TemplateNode TemplateControl()
    {
        const string context = "template clause";
        var token = NextNonSpace();
        var name = TemplateName(token, context);
        PipeNode? pipe = null;
        if (NextNonSpace().Type != ItemType.RightDelim)
        {
            Backup();
            pipe = Pipeline(context, ItemType.RightDelim);
        }

        return new TemplateNode(token.Pos, _tree, token.Line, name, pipe);
    }

    private TemplateNode BlockControl()
    {
        const string context = "block clause";
        var token = NextNonSpace();
        var name = TemplateName(token, context);
        var pipe = Pipeline(context, ItemType.RightDelim);
        var block = new Tree(name, _tree.ParseName, _tree.Text);
        var sub = new Parser(block, _items, _index, _hasFunction, _treeSet);
        var (list, end) = sub.ItemList();
        if (end is not EndNode)
        {
            throw sub.Error($"unexpected {end} in {context}");
        }

        block.Root = list;
        sub.Add();
        _index = sub._index;
        return new TemplateNode(token.Pos, _tree, token.Line, name, pipe);
    }

    private string TemplateName(Item token, string context)
    {
        if (token.Type is ItemType.String or ItemType.RawString)
        {
            return Unquote(token.Value);
        }

        throw Unexpected(token, context);
    }

    private PipeNode Pipeline(string context, ItemType end)
    {
        var token = PeekNonSpace();
        var pipe = new PipeNode(token.Pos, _tree, token.Line);
    decls:
        var v = PeekNonSpace();
        if (v.Type == ItemType.Variable)
        {
            NextNonSpace();
            var variableIndex = _index - 1;
            var tokenAfterVariable = Peek();
            var next = PeekNonSpace();
            if (next.Type is ItemType.Assign or ItemType.Declare)
            {
                pipe.IsAssign = next.Type == ItemType.Assign;
                NextNonSpace();
                pipe.Decl.Add(new VariableNode(v.Pos, _tree, [v.Value]));
                _vars.Add(v.Value);
            }
            else if (next.Type == ItemType.Char && next.Value == ",")
            {
                NextNonSpace();
                pipe.Decl.Add(new VariableNode(v.Pos, _tree, [v.Value]));
                _vars.Add(v.Value);
                if (context == "range" && pipe.Decl.Count < 2)
                {
                    var p = PeekNonSpace().Type;
                    if (p is ItemType.Variable or ItemType.RightDelim or ItemType.RightParen)
                    {
                        goto decls;
                    }

                    throw Error("range can only initialize variables");
                }

                throw Error($"too many declarations in {context}");
            }
            else
            {
                // Not a declaration: the variable starts the first command.
                _ = tokenAfterVariable;
                _index = variableIndex;
            }
        }

        while (true)
        {
            var t = NextNonSpace();
            if (t.Type == end)
            {
                CheckPipeline(pipe, context);
                return pipe;
            }

            switch (t.Type)
            {
                case ItemType.Bool or ItemType.CharConstant or ItemType.Complex or ItemType.Dot or ItemType.Field or ItemType.Identifier
                    or ItemType.Number or ItemType.Nil or ItemType.RawString or ItemType.String or ItemType.Variable or ItemType.LeftParen:
                    Backup();
                    pipe.Cmds.Add(Command());
                    break;
                default:
                    throw Unexpected(t, context);
            }
        }
    }

    private void CheckPipeline(PipeNode pipe, string context)
    {
        if (pipe.Cmds.Count == 0)
        {
            throw Error($"missing value for {context}");
        }

        for (var i = 1; i < pipe.Cmds.Count; i++)
        {
            if (pipe.Cmds[i].Args[0] is BoolNode or DotNode or NilNode or NumberNode or StringNode)
            {
                throw Error($"non executable command in pipeline stage {i + 1}");
            }
        }
    }

    private CommandNode Command()
    {
        var cmd = new CommandNode(PeekNonSpace().Pos, _tree);
        while (true)
        {
            PeekNonSpace();
            var operand = Operand();
            if (operand is not null)
            {
                cmd.Args.Add(operand);
            }

            var token = NextItem();
            if (token.Type == ItemType.Space)
            {
                continue;
            }

            if (token.Type is ItemType.RightDelim or ItemType.RightParen)
            {
                Backup();
            }
            else if (token.Type != ItemType.Pipe)
            {
                throw Unexpected(token, "operand");
            }

            break;
        }

        if (cmd.Args.Count == 0)
        {
            throw Error("empty command");
        }

        return cmd;
    }

    private Node? Operand()
    {
        var node = Term();
        if (node is null)
        {
            return null;
        }

        if (Peek().Type == ItemType.Field)
        {
            var chain = new ChainNode(Peek().Pos, _tree, node);
            while (Peek().Type == ItemType.Field)
            {
                chain.Field.Add(NextItem().Value[1..]);
            }

            switch (node)
            {
                case FieldNode f:
                    return new FieldNode(chain.Pos, _tree, [.. f.Ident, .. chain.Field]);
                case VariableNode v:
                    return new VariableNode(chain.Pos, _tree, [.. v.Ident, .. chain.Field]);
                case BoolNode or StringNode or NumberNode or NilNode or DotNode:
                    throw Error($"unexpected . after term {GoQuote.Quote(node.ToString())}");
                default:
                    return chain;
            }
        }

        return node;
    }

    private Node? Term()
    {
        var token = NextNonSpace();
        switch (token.Type)
        {
            case ItemType.Identifier:
                if (!_hasFunction(token.Value))
                {
                    throw Error($"function {GoQuote.Quote(token.Value)} not defined");
                }

                return new IdentifierNode(token.Pos, _tree, token.Value);
            case ItemType.Dot:
                return new DotNode(token.Pos, _tree);
            case ItemType.Nil:
                return new NilNode(token.Pos, _tree);
            case ItemType.Variable:
                {
                    var ident = token.Value.Split('.');
                    if (!_vars.Contains(ident[0]))
                    {
                        throw Error($"undefined variable {GoQuote.Quote(ident[0])}");
                    }

                    return new VariableNode(token.Pos, _tree, ident);
                }

            case ItemType.Field:
                return new FieldNode(token.Pos, _tree, token.Value[1..].Split('.'));
            case ItemType.Bool:
                return new BoolNode(token.Pos, _tree, token.Value == "true");
            case ItemType.CharConstant or ItemType.Complex or ItemType.Number:
                return NewNumber(token);
            case ItemType.LeftParen:
                return Pipeline("parenthesized pipeline", ItemType.RightParen);
            case ItemType.String or ItemType.RawString:
                return new StringNode(token.Pos, _tree, token.Value, Unquote(token.Value));
        }

        Backup();
        return null;
    }

    private NumberNode NewNumber(Item token)
    {
        var text = token.Value;
        var n = new NumberNode(token.Pos, _tree, text);
        if (token.Type == ItemType.CharConstant)
        {
            var s = UnquoteChar(text);
            n.Int64 = s;
            n.IsInt = true;
            n.Uint64 = (ulong)s;
            n.IsUint = true;
            n.Float64 = s;
            n.IsFloat = true;
            return n;
        }

        if (token.Type == ItemType.Complex || text.EndsWith('i'))
        {
            n.IsComplex = true;
            return n;
        }

        if (GoNumber.TryParseUint(text, out var u))
        {
            n.IsUint = true;
            n.Uint64 = u;
        }

        if (GoNumber.TryParseInt(text, out var i))
        {
            n.IsInt = true;
            n.Int64 = i;
            if (i == 0)
            {
                n.IsUint = true;
                n.Uint64 = 0;
            }
        }

        if (n.IsInt)
        {
            n.IsFloat = true;
            n.Float64 = n.Int64;
        }
        else if (n.IsUint)
        {
            n.IsFloat = true;
            n.Float64 = n.Uint64;
        }
        else if (GoNumber.TryParseFloat(text, out var f))
        {
            if (text.IndexOfAny(['.', 'e', 'E', 'p', 'P']) < 0)
            {
                throw Error($"integer overflow: {GoQuote.Quote(text)}");
            }

            n.IsFloat = true;
            n.Float64 = f;
            if (f is >= -9.2233720368547758e18 and < 9.2233720368547758e18 && Math.Truncate(f) == f)
            {
                n.IsInt = true;
                n.Int64 = (long)f;
            }

            if (f is >= 0 and < 1.8446744073709552e19 && Math.Truncate(f) == f)
            {
                n.IsUint = true;
                n.Uint64 = (ulong)f;
            }
        }

        if (!n.IsInt && !n.IsUint && !n.IsFloat)
        {
            throw Error($"illegal number syntax: {GoQuote.Quote(text)}");
        }

        return n;
    }

    private int UnquoteChar(string text)
    {
        var body = text[1..^1];
        if (body.Length == 0)
        {
            throw Error("invalid syntax");
        }

        if (body[0] != '\\')
        {
            var r = char.IsHighSurrogate(body[0]) && body.Length > 1 ? char.ConvertToUtf32(body[0], body[1]) : body[0];
            var len = r > 0xFFFF ? 2 : 1;
            if (body.Length != len)
            {
                throw Error($"malformed character constant: {text}");
            }

            return r;
        }

        var sb = new StringBuilder();
        var pos = 0;
        var ok = GoNumber.TryUnescape(body, ref pos, '\'', sb, out var rune);
        if (!ok || pos != body.Length)
        {
            throw Error(ok ? $"malformed character constant: {text}" : "invalid syntax");
        }

        return rune;
    }

    private string Unquote(string quoted)
    {
        if (quoted[0] == '`')
        {
            return quoted[1..^1].Replace("\r", "", StringComparison.Ordinal);
        }

        var body = quoted[1..^1];
        if (!body.Contains('\\', StringComparison.Ordinal))
        {
            return body;
        }

        var sb = new StringBuilder(body.Length);
        var pos = 0;
        while (pos < body.Length)
        {
            if (body[pos] != '\\')
            {
                sb.Append(body[pos++]);
                continue;
            }

            if (!GoNumber.TryUnescape(body, ref pos, '"', sb, out _))
            {
                throw Error("invalid syntax");
            }
        }

        return sb.ToString();
    }
}

/// <summary>Go's number literal syntax (strconv.ParseInt/ParseUint base 0, ParseFloat) and escapes.</summary>
internal static class GoNumber
{
    public static bool TryParseUint(string s, out ulong value)
    {
        value = 0;
        if (s.Length == 0 || s[0] == '+' || s[0] == '-')
        {
            return false;
        }

        return TryParseMagnitude(s, out value);
    }

    public static bool TryParseInt(string s, out long value)
    {
        value = 0;
        var neg = false;
        var body = s;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            neg = s[0] == '-';
            body = s[1..];
        }

        if (!TryParseMagnitude(body, out var u))
        {
            return false;
        }

        if (neg)
        {
            if (u > 9223372036854775808UL)
            {
                return false;
            }

            value = u == 9223372036854775808UL ? long.MinValue : -(long)u;
            return true;
        }

        if (u > long.MaxValue)
        {
            return false;
        }

        value = (long)u;
        return true;
    }

    private static bool TryParseMagnitude(string s, out ulong value)
    {
        value = 0;
        if (s.Length == 0)
        {
            return false;
        }

        var b = 10;
        var i = 0;
        var prefixed = false;
        if (s[0] == '0' && s.Length > 1)
        {
            switch (char.ToLowerInvariant(s[1]))
            {
                case 'x': b = 16; i = 2; prefixed = true; break;
                case 'o': b = 8; i = 2; prefixed = true; break;
                case 'b': b = 2; i = 2; prefixed = true; break;
                default: b = 8; i = 1; prefixed = true; break;
            }
        }

        // Underscores are allowed only between digits (or after a base prefix), as in Go's underscoreOK.
        var sawDigit = false;
        var lastUnderscore = false;
        var any = false;
        BigInteger acc = 0;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '_')
            {
                if (lastUnderscore || (!sawDigit && !prefixed))
                {
                    return false;
                }

                lastUnderscore = true;
                continue;
            }

            var d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => 99,
            };
            if (d >= b)
            {
                return false;
            }

            acc = acc * b + d;
            sawDigit = true;
            lastUnderscore = false;
            any = true;
        }

        if (lastUnderscore || (!any && b != 8))
        {
            return false;
        }

        if (acc > ulong.MaxValue)
        {
            return false;
        }

        value = (ulong)acc;
        return true;
    }

    public static bool TryParseFloat(string s, out double value)
    {
        value = 0;
        var t = s.Replace("_", "", StringComparison.Ordinal);
        if (t.Length > 2 && (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || t.StartsWith("-0x", StringComparison.OrdinalIgnoreCase) || t.StartsWith("+0x", StringComparison.OrdinalIgnoreCase)))
        {
            return TryParseHexFloat(t, out value);
        }

        foreach (var c in t)
        {
            if (!(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-'))
            {
                return false;
            }
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsInfinity(value);
    }

    private static bool TryParseHexFloat(string t, out double value)
    {
        value = 0;
        var neg = t[0] == '-';
        if (t[0] is '-' or '+')
        {
            t = t[1..];
        }

        t = t[2..];
        var p = t.IndexOfAny(['p', 'P']);
        if (p < 0)
        {
            return false;
        }

        var mant = t[..p];
        if (!int.TryParse(t[(p + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exp))
        {
            return false;
        }

        double m = 0;
        var dot = mant.IndexOf('.', StringComparison.Ordinal);
        var digits = mant.Replace(".", "", StringComparison.Ordinal);
        foreach (var c in digits)
        {
            var d = Convert.ToInt32(c.ToString(), 16);
            m = m * 16 + d;
        }

        if (dot >= 0)
        {
            exp -= 4 * (mant.Length - dot - 1);
        }

        value = (neg ? -m : m) * Math.Pow(2, exp);
        return true;
    }

    /// <summary>One Go escape sequence at body[pos] (which is a backslash); appends it; advances pos.</summary>
    public static bool TryUnescape(string body, ref int pos, char quote, StringBuilder sb, out int rune)
    {
        rune = 0;
        if (pos + 1 >= body.Length)
        {
            return false;
        }

        var c = body[pos + 1];
        pos += 2;
        switch (c)
        {
            case 'a': rune = 7; break;
            case 'b': rune = 8; break;
            case 'f': rune = 12; break;
            case 'n': rune = 10; break;
            case 'r': rune = 13; break;
            case 't': rune = 9; break;
            case 'v': rune = 11; break;
            case '\\': rune = '\\'; break;
            case '\'' or '"':
                if (c != quote)
                {
                    return false;
                }

                rune = c;
                break;
            case >= '0' and <= '7':
                {
                    if (pos + 2 > body.Length)
                    {
                        return false;
                    }

                    var v = c - '0';
                    for (var k = 0; k < 2; k++)
                    {
                        var d = body[pos++] - '0';
                        if (d is < 0 or > 7)
                        {
                            return false;
                        }

                        v = v * 8 + d;
                    }

                    if (v > 255)
                    {
                        return false;
                    }

                    // Octal and \x escapes are bytes; in a template they almost always form UTF-8 sequences.
                    sb.Append((char)v);
                    rune = v;
                    return true;
                }

            case 'x' or 'u' or 'U':
                {
                    var n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
                    if (pos + n > body.Length || !int.TryParse(body.AsSpan(pos, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
                    {
                        return false;
                    }

                    pos += n;
                    if (c == 'x')
                    {
                        sb.Append((char)v);
                        rune = v;
                        return true;
                    }

                    if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
                    {
                        return false;
                    }

                    rune = v;
                    break;
                }

            default:
                return false;
        }

        sb.Append(char.ConvertFromUtf32(rune));
        return true;
    }
}
