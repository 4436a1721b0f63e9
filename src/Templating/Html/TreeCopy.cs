using Promoter.Templating.Parsing;

namespace Promoter.Templating.Html;

/// <summary>
/// Deep copies of parse trees for the HTML escaper, which edits text, template calls and pipelines in
/// place: the text/template set that shares the original trees must not see those edits. Leaf nodes that
/// are never edited (fields, identifiers, literals) are shared.
/// </summary>
internal static class TreeCopy
{
    public static Tree Tree(Tree t) => new(t.Name, t.ParseName, t.Text) { Root = List(t.Root) };

    public static ListNode List(ListNode l)
    {
        var copy = new ListNode(l.Pos, l.Tree);
        foreach (var n in l.Nodes)
        {
            copy.Nodes.Add(Node(n));
        }

        return copy;
    }

    private static ListNode? ListOrNull(ListNode? l) => l is null ? null : List(l);

    public static Node Node(Node n) => n switch
    {
        ListNode l => List(l),
        TextNode t => new TextNode(t.Pos, t.Tree, t.Text),
        ActionNode a => new ActionNode(a.Pos, a.Tree, a.Line, Pipe(a.Pipe)),
        BranchNode b => new BranchNode(b.Kind, b.Pos, b.Tree, b.Line, Pipe(b.Pipe), List(b.List), ListOrNull(b.ElseList)),
        TemplateNode t => new TemplateNode(t.Pos, t.Tree, t.Line, t.Name, t.Pipe is null ? null : Pipe(t.Pipe)),
        PipeNode p => Pipe(p),
        CommandNode c => Command(c),
        ChainNode c => Chain(c),
        _ => n,
    };

    private static PipeNode Pipe(PipeNode p)
    {
        var copy = new PipeNode(p.Pos, p.Tree, p.Line) { IsAssign = p.IsAssign };
        copy.Decl.AddRange(p.Decl);
        foreach (var c in p.Cmds)
        {
            copy.Cmds.Add(Command(c));
        }

        return copy;
    }

    private static CommandNode Command(CommandNode c)
    {
        var copy = new CommandNode(c.Pos, c.Tree);
        foreach (var a in c.Args)
        {
            copy.Args.Add(Node(a));
        }

        return copy;
    }

    private static ChainNode Chain(ChainNode c)
    {
        var copy = new ChainNode(c.Pos, c.Tree, Node(c.Node));
        copy.Field.AddRange(c.Field);
        return copy;
    }
}
