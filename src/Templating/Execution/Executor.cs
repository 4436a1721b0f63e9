using System.Collections;
using System.Text;
using Promoter.Templating.Parsing;
using Promoter.Templating.Time;

namespace Promoter.Templating.Execution;

/// <summary>
/// Walks a parsed template with data, following Go's text/template exec rules (field/method/map
/// resolution, missingkey=zero, argument conversion, truth, range/with/if, template calls) and reporting
/// errors in Go's words: <c>template: NAME:LINE:COL: executing "T" at &lt;EXPR&gt;: …</c>.
/// </summary>
internal sealed class Executor
{
    /// <summary>Go allows 100000 nested template calls; the .NET stack does not, so this is lower.</summary>
    public const int MaxDepth = 1500;

    private static readonly object MissingValue = new();

    private readonly IReadOnlyDictionary<string, Tree> _templates;
    private readonly IReadOnlyDictionary<string, GoCallable> _funcs;
    private readonly StringBuilder _out;
    private readonly List<(string Name, object? Value)> _vars = [];
    private readonly ExecutionBudget _budget;
    private Tree _tmpl;
    private Node? _node;
    private int _depth;

    private enum Flow { Normal, Break, Continue }

    public Executor(IReadOnlyDictionary<string, Tree> templates, IReadOnlyDictionary<string, GoCallable> funcs, StringBuilder output, Tree tmpl,
        ExecutionBudget? budget = null)
    {
        _templates = templates;
        _funcs = funcs;
        _out = output;
        _tmpl = tmpl;
        _budget = budget ?? new ExecutionBudget(ExecutionLimits.Default, CancellationToken.None);
    }

    public void Run(object? data)
    {
        using var scope = _budget.Enter();
        _vars.Add(("$", data));
        Walk(data, _tmpl.Root);
    }

    private void At(Node n) => _node = n;

    private TemplateExecutionException Error(string message)
    {
        var name = _tmpl.Name;
        if (_node is null)
        {
            return new TemplateExecutionException($"template: {name}: {message}", name, 0, 0, message);
        }

        var tree = _node.Tree;
        var location = tree.Location(_node.Pos);
        var (line, col) = tree.LineColumn(_node.Pos);
        var context = _node.ToString();
        return new TemplateExecutionException($"template: {location}: executing {GoQuote.Quote(name)} at <{context}>: {message}", name, line, col, message, context);
    }

    private Flow Walk(object? dot, Node node)
    {
        At(node);
        // Every node and every loop iteration (each walks its body) is a step: nested loops cannot run unbounded.
        _budget.Step();
        switch (node)
        {
            case ActionNode a:
                {
                    var val = EvalPipeline(dot, a.Pipe);
                    if (a.Pipe.Decl.Count == 0)
                    {
                        PrintValue(a, val);
                    }

                    return Flow.Normal;
                }

            case TextNode t:
                _out.Append(t.Text);
                _budget.CheckOutput(_out.Length);
                return Flow.Normal;
            case ListNode l:
                foreach (var n in l.Nodes)
                {
                    var flow = Walk(dot, n);
                    if (flow != Flow.Normal)
                    {
                        return flow;
                    }
                }

                return Flow.Normal;
            case BranchNode { Kind: BranchKind.Range } r:
                return WalkRange(dot, r);
            case BranchNode b:
                return WalkIfOrWith(dot, b);
            case TemplateNode tn:
                WalkTemplate(dot, tn);
                return Flow.Normal;
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            case CommentNode:
                return Flow.Normal;
            default:
                throw Error($"unknown node: {node}");
        }
    }

    private Flow WalkIfOrWith(object? dot, BranchNode b)
    {
        var mark = _vars.Count;
        try
        {
            var val = EvalPipeline(dot, b.Pipe);
            if (GoTypes.IsTrue(val))
            {
                return Walk(b.Kind == BranchKind.With ? val : dot, b.List);
            }

            return b.ElseList is not null ? Walk(dot, b.ElseList) : Flow.Normal;
        }
        finally
        {
            Pop(mark);
        }
    }

    private Flow WalkRange(object? dot, BranchNode r)
    {
        At(r);
        var mark0 = _vars.Count;
        try
        {
            var val = EvalPipeline(dot, r.Pipe);
            var mark = _vars.Count;

            bool OneIteration(object? index, object? elem)
            {
                var decl = r.Pipe.Decl;
                if (decl.Count > 0)
                {
                    if (r.Pipe.IsAssign)
                    {
                        SetVar(decl[0].Ident[0], decl.Count > 1 ? index : elem);
                    }
                    else
                    {
                        SetTopVar(1, elem);
                    }
                }

                if (decl.Count > 1)
                {
                    if (r.Pipe.IsAssign)
                    {
                        SetVar(decl[1].Ident[0], elem);
                    }
                    else
                    {
                        SetTopVar(2, index);
                    }
                }

                try
                {
                    return Walk(elem, r.List) == Flow.Break;
                }
                finally
                {
                    Pop(mark);
                }
            }

            var any = false;
            switch (val)
            {
                case null:
                    break;
                case string or HtmlString or UrlString:
                    throw Error($"range can't iterate over {GoFmt.ToText(val)}");
                case long or int or IGoInteger:
                    {
                        var n = val switch { long l => l, int i => i, IGoInteger g => g.Value, _ => 0 };
                        if (r.Pipe.Decl.Count > 1)
                        {
                            throw Error($"can't use {GoFmt.ToText(val)} to iterate over more than one variable");
                        }

                        for (long i = 0; i < n; i++)
                        {
                            any = true;
                            if (OneIteration(i, i))
                            {
                                break;
                            }
                        }

                        break;
                    }

                default:
                    {
                        var type = GoTypes.Of(val);
                        if (type.Kind == GoKind.Map)
                        {
                            foreach (var (k, v) in GoFmt.SortedEntries(val))
                            {
                                any = true;
                                if (OneIteration(k, v))
                                {
                                    break;
                                }
                            }
                        }
                        else if (type.Kind == GoKind.Slice && val is IList list)
                        {
                            for (var i = 0; i < list.Count; i++)
                            {
                                any = true;
                                if (OneIteration((long)i, list[i]))
                                {
                                    break;
                                }
                            }
                        }
                        else
                        {
                            throw Error($"range can't iterate over {GoFmt.ToText(val)}");
                        }

                        break;
                    }
            }

            if (!any && r.ElseList is not null)
            {
                return Walk(dot, r.ElseList) == Flow.Break ? Flow.Break : Flow.Normal;
            }

            return Flow.Normal;
        }
        finally
        {
            Pop(mark0);
        }
    }

    private void WalkTemplate(object? dot, TemplateNode t)
    {
        At(t);
        if (!_templates.TryGetValue(t.Name, out var tmpl) || tmpl.Root is null)
        {
            throw Error($"template {GoQuote.Quote(t.Name)} not defined");
        }

        if (_depth >= MaxDepth)
        {
            throw Error($"exceeded maximum template depth ({MaxDepth})");
        }

        var newDot = t.Pipe is null ? null : EvalPipeline(dot, t.Pipe);
        var savedTmpl = _tmpl;
        var savedVars = _vars.ToArray();
        _vars.Clear();
        _vars.Add(("$", newDot));
        _depth++;
        _tmpl = tmpl;
        try
        {
            Walk(newDot, tmpl.Root);
        }
        finally
        {
            _depth--;
            _tmpl = savedTmpl;
            _vars.Clear();
            _vars.AddRange(savedVars);
        }
    }

    private void Pop(int mark)
    {
        if (_vars.Count > mark)
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private void SetVar(string name, object? value)
    {
        for (var i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name)
            {
                _vars[i] = (name, value);
                return;
            }
        }

        throw Error($"undefined variable: {name}");
    }

    private void SetTopVar(int n, object? value) => _vars[^n] = (_vars[^n].Name, value);

    private object? VarValue(string name)
    {
        for (var i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name)
            {
                return _vars[i].Value;
            }
        }

        throw Error($"undefined variable: {name}");
    }

    private object? EvalPipeline(object? dot, PipeNode pipe)
    {
        At(pipe);
        var value = MissingValue;
        foreach (var cmd in pipe.Cmds)
        {
            value = EvalCommand(dot, cmd, value);
        }

        foreach (var v in pipe.Decl)
        {
            if (pipe.IsAssign)
            {
                SetVar(v.Ident[0], value);
            }
            else
            {
                _vars.Add((v.Ident[0], value));
            }
        }

        return value;
    }

    private void NotAFunction(List<Node> args, object? final)
    {
        if (args.Count > 1 || final != MissingValue)
        {
            throw Error($"can't give argument to non-function {args[0]}");
        }
    }

    private object? EvalCommand(object? dot, CommandNode cmd, object? final)
    {
        var first = cmd.Args[0];
        switch (first)
        {
            case FieldNode f:
                At(f);
                return EvalFieldChain(dot, dot, f, f.Ident, 0, cmd.Args, final);
            case ChainNode c:
                return EvalChainNode(dot, c, cmd.Args, final);
            case IdentifierNode id:
                return EvalFunction(dot, id, cmd, cmd.Args, final);
            case PipeNode p:
                NotAFunction(cmd.Args, final);
                return EvalPipeline(dot, p);
            case VariableNode v:
                return EvalVariableNode(dot, v, cmd.Args, final);
        }

        At(first);
        NotAFunction(cmd.Args, final);
        switch (first)
        {
            case BoolNode b:
                return b.True;
            case DotNode:
                return dot;
            case NilNode:
                throw Error("nil is not a command");
            case NumberNode n:
                return IdealConstant(n);
            case StringNode s:
                return s.Text;
        }

        throw Error($"can't evaluate command {GoQuote.Quote(first.ToString())}");
    }

    private object? IdealConstant(NumberNode c)
    {
        At(c);
        if (c.IsComplex)
        {
            throw Error($"complex constants are not supported: {c.Text}");
        }

        if (c.IsFloat && !IsHexInt(c.Text) && !IsRuneInt(c.Text) && c.Text.IndexOfAny(['.', 'e', 'E', 'p', 'P']) >= 0)
        {
            return c.Float64;
        }

        if (c.IsInt)
        {
            return c.Int64;
        }

        if (c.IsUint)
        {
            throw Error($"{c.Text} overflows int");
        }

        return null;
    }

    private static bool IsRuneInt(string s) => s.Length > 0 && s[0] == '\'';

    private static bool IsHexInt(string s) =>
        s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s.IndexOfAny(['p', 'P']) < 0;

    private object? EvalChainNode(object? dot, ChainNode chain, List<Node> args, object? final)
    {
        At(chain);
        if (chain.Node is NilNode)
        {
            throw Error($"indirection through explicit nil in {chain}");
        }

        var pipe = EvalArg(dot, null, chain.Node);
        return EvalFieldChain(dot, pipe, chain, chain.Field.ToArray(), 0, args, final);
    }

    private object? EvalVariableNode(object? dot, VariableNode v, List<Node> args, object? final)
    {
        At(v);
        var value = VarValue(v.Ident[0]);
        if (v.Ident.Length == 1)
        {
            NotAFunction(args, final);
            return value;
        }

        return EvalFieldChain(dot, value, v, v.Ident, 1, args, final);
    }

    private object? EvalFieldChain(object? dot, object? receiver, Node node, IReadOnlyList<string> ident, int start, List<Node>? args, object? final)
    {
        var n = ident.Count;
        for (var i = start; i < n - 1; i++)
        {
            receiver = EvalField(dot, ident[i], node, null, MissingValue, receiver);
        }

        return EvalField(dot, ident[n - 1], node, args, final, receiver);
    }

    private object? EvalFunction(object? dot, IdentifierNode node, CommandNode cmd, List<Node> args, object? final)
    {
        At(node);
        var name = node.Ident;
        if (_funcs.TryGetValue(name, out var fn))
        {
            return EvalCall(dot, fn, false, cmd, name, args, final, null);
        }

        if (Builtins.Functions.TryGetValue(name, out fn))
        {
            return EvalCall(dot, fn, true, cmd, name, args, final, null);
        }

        throw Error($"{GoQuote.Quote(name)} is not a defined function");
    }

    private object? EvalField(object? dot, string fieldName, Node node, List<Node>? args, object? final, object? receiver)
    {
        if (receiver is null)
        {
            return null;
        }

        var type = GoTypes.Of(receiver);
        var members = GoMembers.For(receiver.GetType());
        if (members.TryGetMethod(fieldName, out var method))
        {
            return EvalCall(dot, method, false, node, fieldName, args, final, receiver);
        }

        var hasArgs = (args is not null && args.Count > 1) || final != MissingValue;
        switch (type.Kind)
        {
            case GoKind.Struct:
                if (members.TryGetField(fieldName, out var field))
                {
                    if (hasArgs)
                    {
                        throw Error($"{fieldName} has arguments but cannot be invoked as function");
                    }

                    return CanonicalValue(field.Get(receiver));
                }

                if (receiver is Alertmanager.IGoDynamicFields dynamic && dynamic.TryGetField(fieldName, out var extra))
                {
                    if (hasArgs)
                    {
                        throw Error($"{fieldName} has arguments but cannot be invoked as function");
                    }

                    return CanonicalValue(extra);
                }

                break;
            case GoKind.Map when type.Key == GoType.String || type.Key is null:
                {
                    if (hasArgs)
                    {
                        throw Error($"{fieldName} is not a method but has arguments");
                    }

                    if (TryMapIndex(receiver, fieldName, out var result))
                    {
                        return result;
                    }

                    // missingkey=zero, as Alertmanager and its relatives set it.
                    return GoTypes.Zero(type.Elem ?? GoType.Any);
                }
        }

        throw Error($"can't evaluate field {fieldName} in type {type.Name}");
    }

    internal static object? CanonicalValue(object? v) => GoCallable.Normalize(v);

    internal static bool TryMapIndex(object map, object key, out object? value)
    {
        switch (map)
        {
            case IReadOnlyDictionary<string, string> ss when key is string k:
                {
                    var ok = ss.TryGetValue(k, out var s);
                    value = s;
                    return ok;
                }

            case IReadOnlyDictionary<string, object?> so when key is string k:
                {
                    var ok = so.TryGetValue(k, out var o);
                    value = CanonicalValue(o);
                    return ok;
                }

            case IDictionary d:
                if (d.Contains(key))
                {
                    value = CanonicalValue(d[key]);
                    return true;
                }

                break;
        }

        value = null;
        return false;
    }

    private object? EvalCall(object? dot, GoCallable fn, bool isBuiltin, Node node, string name, List<Node>? argNodes, object? final, object? receiver)
    {
        var args = argNodes is null || argNodes.Count == 0 ? [] : argNodes.GetRange(1, argNodes.Count - 1);
        var numIn = args.Count + (final != MissingValue ? 1 : 0);
        var numParams = fn.Params.Length;
        var numFixed = args.Count;
        if (fn.Variadic)
        {
            numFixed = numParams - 1;
            if (numIn < numFixed)
            {
                throw Error($"wrong number of args for {name}: want at least {numParams - 1} got {args.Count}");
            }
        }
        else if (numIn != numParams)
        {
            throw Error($"wrong number of args for {name}: want {numParams} got {numIn}");
        }

        // and/or short-circuit: evaluate arguments only until the answer is known.
        if (isBuiltin && name is "and" or "or")
        {
            object? v = null;
            foreach (var a in args)
            {
                v = EvalArg(dot, GoType.ReflectValue, a);
                if (GoTypes.IsTrue(v) == (name == "or"))
                {
                    return v;
                }
            }

            if (final != MissingValue)
            {
                v = final;
            }

            return v;
        }

        var argv = new object?[numIn];
        var i = 0;
        for (; i < numFixed && i < args.Count; i++)
        {
            argv[i] = EvalArg(dot, fn.Params[i], args[i]);
        }

        if (fn.Variadic)
        {
            var elem = fn.Params[^1];
            for (; i < args.Count; i++)
            {
                argv[i] = EvalArg(dot, elem, args[i]);
            }
        }

        if (final != MissingValue)
        {
            var t = fn.Params[^1];
            if (fn.Variadic && numIn - 1 < numFixed)
            {
                t = fn.Params[numIn - 1];
            }

            argv[i] = ValidateType(final, t);
        }

        try
        {
            _budget.Step();
            var result = fn.Invoke(receiver, argv);
            // A value that could never be printed within the output limit (a string doubled in a loop) stops here,
            // before the next doubling needs twice the memory.
            if (result is string { Length: var length })
            {
                ExecutionBudget.CheckValue(length, $"the result of {name}");
            }

            return result;
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not StackOverflowException)
        {
            At(node);
            throw Error($"error calling {name}: {e.Message}");
        }
    }

    private object? ValidateType(object? value, GoType? type)
    {
        if (value is null || value == MissingValue)
        {
            if (type is null || type.CanBeNil || type == GoType.ReflectValue)
            {
                return null;
            }

            throw Error($"invalid value; expected {type.Name}");
        }

        if (type is null || type == GoType.ReflectValue)
        {
            return value;
        }

        var vt = GoTypes.Of(value);
        if (!vt.AssignableTo(type))
        {
            throw Error($"wrong type for value; expected {type.Name}; got {vt.Name}");
        }

        return value;
    }

    private object? EvalArg(object? dot, GoType? type, Node n)
    {
        At(n);
        switch (n)
        {
            case DotNode:
                return ValidateType(dot, type);
            case NilNode:
                if (type is null || type.CanBeNil || type == GoType.ReflectValue)
                {
                    return null;
                }

                throw Error($"cannot assign nil to {type.Name}");
            case FieldNode f:
                return ValidateType(EvalFieldChain(dot, dot, f, f.Ident, 0, [n], MissingValue), type);
            case VariableNode v:
                return ValidateType(EvalVariableNode(dot, v, [], MissingValue), type);
            case PipeNode p:
                return ValidateType(EvalPipeline(dot, p), type);
            case IdentifierNode id:
                return ValidateType(EvalFunction(dot, id, new CommandNode(id.Pos, id.Tree) { Args = { id } }, [id], MissingValue), type);
            case ChainNode c:
                return ValidateType(EvalChainNode(dot, c, [], MissingValue), type);
        }

        if (type is null || type.Kind == GoKind.Interface)
        {
            return EvalEmptyInterface(dot, n);
        }

        switch (type.Kind)
        {
            case GoKind.Bool:
                if (n is BoolNode b)
                {
                    return b.True;
                }

                throw Error($"expected bool; found {n}");
            case GoKind.Int:
                if (n is NumberNode { IsInt: true } num)
                {
                    return type == GoType.Duration ? new GoDuration(num.Int64) : num.Int64;
                }

                throw Error($"expected integer; found {n}");
            case GoKind.Uint:
                if (n is NumberNode { IsUint: true } un)
                {
                    return type == GoType.Uint8 ? (byte)un.Uint64 : un.Uint64;
                }

                throw Error($"expected unsigned integer; found {n}");
            case GoKind.Float:
                if (n is NumberNode { IsFloat: true } fl)
                {
                    return fl.Float64;
                }

                throw Error($"expected float; found {n}");
            case GoKind.String:
                if (n is StringNode s)
                {
                    return type == GoType.Html ? new HtmlString(s.Text) : s.Text;
                }

                throw Error($"expected string; found {n}");
        }

        throw Error($"can't handle {n} for arg of type {type.Name}");
    }

    private object? EvalEmptyInterface(object? dot, Node n)
    {
        At(n);
        return n switch
        {
            BoolNode b => b.True,
            DotNode => dot,
            FieldNode f => EvalFieldChain(dot, dot, f, f.Ident, 0, null, MissingValue),
            IdentifierNode id => EvalFunction(dot, id, new CommandNode(id.Pos, id.Tree) { Args = { id } }, [id], MissingValue),
            NilNode => throw Error("evalEmptyInterface: nil (can't happen)"),
            NumberNode num => IdealConstant(num),
            StringNode s => s.Text,
            VariableNode v => EvalVariableNode(dot, v, [], MissingValue),
            PipeNode p => EvalPipeline(dot, p),
            ChainNode c => EvalChainNode(dot, c, [], MissingValue),
            _ => throw Error($"can't handle assignment of {n} to empty interface argument"),
        };
    }

    private void PrintValue(Node n, object? v)
    {
        At(n);
        if (v is null || v == MissingValue)
        {
            _out.Append("<no value>");
            return;
        }

        if (v is string s)
        {
            _out.Append(s);
            _budget.CheckOutput(_out.Length);
            return;
        }

        if (v is Delegate)
        {
            throw Error($"can't print {n} of type {GoTypes.Of(v).Name}");
        }

        GoFmt.PrintValue(_out, v);
        _budget.CheckOutput(_out.Length);
    }
}
