using System.Text;

namespace Promoter.Templating.Parsing;

/// <summary>A parsed template: its body and where it came from (for error positions).</summary>
internal sealed class Tree
{
    public Tree(string name, string parseName, string text)
    {
        Name = name;
        ParseName = parseName;
        Text = text;
    }

    public string Name { get; set; }

    /// <summary>Name of the top-level template being parsed when this one was (the file or source name).</summary>
    public string ParseName { get; }

    public string Text { get; }

    public ListNode Root { get; set; } = null!;

    /// <summary>Go's ErrorContext: "parseName:line:col" (col counted in UTF-8 bytes, 0-based after a newline).</summary>
    public string Location(int pos)
    {
        var text = Text.AsSpan(0, Math.Min(pos, Text.Length));
        var lastNewline = text.LastIndexOf('\n');
        var line = 1 + text.Count('\n');
        int col;
        if (lastNewline < 0)
        {
            col = Encoding.UTF8.GetByteCount(text);
        }
        else
        {
            col = Encoding.UTF8.GetByteCount(text[(lastNewline + 1)..]);
        }

        return $"{ParseName}:{line}:{col}";
    }

    public (int Line, int Column) LineColumn(int pos)
    {
        var text = Text.AsSpan(0, Math.Min(pos, Text.Length));
        var lastNewline = text.LastIndexOf('\n');
        return (1 + text.Count('\n'), 1 + Encoding.UTF8.GetByteCount(lastNewline < 0 ? text : text[(lastNewline + 1)..]));
    }

    /// <summary>True when the body holds only whitespace text and comments (Go's IsEmptyTree).</summary>
    public static bool IsEmpty(Node? n) => n switch
    {
        null => true,
        ListNode l => l.Nodes.All(IsEmpty),
        TextNode t => string.IsNullOrWhiteSpace(t.Text) && t.Text.All(c => c is ' ' or '\t' or '\r' or '\n'),
        CommentNode => true,
        _ => false,
    };
}

internal abstract class Node(int pos, Tree tree)
{
    public int Pos { get; } = pos;

    public Tree Tree { get; } = tree;

    public abstract void WriteTo(StringBuilder sb);

    public override string ToString()
    {
        var sb = new StringBuilder();
        WriteTo(sb);
        return sb.ToString();
    }
}

internal sealed class ListNode(int pos, Tree tree) : Node(pos, tree)
{
    public List<Node> Nodes { get; } = [];

    public override void WriteTo(StringBuilder sb)
    {
        foreach (var n in Nodes)
        {
            n.WriteTo(sb);
        }
    }
}

internal sealed class TextNode(int pos, Tree tree, string text) : Node(pos, tree)
{
    // Settable for html/template's escaper, which edits private copies of the trees (Html/HtmlEscaper.cs).
    public string Text { get; set; } = text;

    public override void WriteTo(StringBuilder sb) => sb.Append(Text);
}

internal sealed class CommentNode(int pos, Tree tree, string text) : Node(pos, tree)
{
    public string Text { get; } = text;

    public override void WriteTo(StringBuilder sb) => sb.Append("{{").Append(Text).Append("}}");
}

internal sealed class PipeNode(int pos, Tree tree, int line) : Node(pos, tree)
{
    public int Line { get; } = line;

    public bool IsAssign { get; set; }

    public List<VariableNode> Decl { get; } = [];

    public List<CommandNode> Cmds { get; } = [];

    public override void WriteTo(StringBuilder sb)
    {
        if (Decl.Count > 0)
        {
            for (var i = 0; i < Decl.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                Decl[i].WriteTo(sb);
            }

            sb.Append(IsAssign ? " = " : " := ");
        }

        for (var i = 0; i < Cmds.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(" | ");
            }

            Cmds[i].WriteTo(sb);
        }
    }
}

internal sealed class ActionNode(int pos, Tree tree, int line, PipeNode pipe) : Node(pos, tree)
{
    public int Line { get; } = line;

    public PipeNode Pipe { get; } = pipe;

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append("{{");
        Pipe.WriteTo(sb);
        sb.Append("}}");
    }
}

internal sealed class CommandNode(int pos, Tree tree) : Node(pos, tree)
{
    public List<Node> Args { get; } = [];

    public override void WriteTo(StringBuilder sb)
    {
        for (var i = 0; i < Args.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            if (Args[i] is PipeNode p)
            {
                sb.Append('(');
                p.WriteTo(sb);
                sb.Append(')');
                continue;
            }

            Args[i].WriteTo(sb);
        }
    }
}

internal sealed class IdentifierNode(int pos, Tree tree, string ident) : Node(pos, tree)
{
    public string Ident { get; } = ident;

    public override void WriteTo(StringBuilder sb) => sb.Append(Ident);
}

internal sealed class VariableNode(int pos, Tree tree, string[] ident) : Node(pos, tree)
{
    public string[] Ident { get; } = ident;

    public override void WriteTo(StringBuilder sb) => sb.AppendJoin('.', Ident);
}

internal sealed class DotNode(int pos, Tree tree) : Node(pos, tree)
{
    public override void WriteTo(StringBuilder sb) => sb.Append('.');
}

internal sealed class NilNode(int pos, Tree tree) : Node(pos, tree)
{
    public override void WriteTo(StringBuilder sb) => sb.Append("nil");
}

internal sealed class FieldNode(int pos, Tree tree, string[] ident) : Node(pos, tree)
{
    public string[] Ident { get; } = ident;

    public override void WriteTo(StringBuilder sb)
    {
        foreach (var id in Ident)
        {
            sb.Append('.').Append(id);
        }
    }
}

internal sealed class ChainNode(int pos, Tree tree, Node node) : Node(pos, tree)
{
    public Node Node { get; } = node;

    public List<string> Field { get; } = [];

    public override void WriteTo(StringBuilder sb)
    {
        if (Node is PipeNode p)
        {
            sb.Append('(');
            p.WriteTo(sb);
            sb.Append(')');
        }
        else
        {
            Node.WriteTo(sb);
        }

        foreach (var f in Field)
        {
            sb.Append('.').Append(f);
        }
    }
}

internal sealed class BoolNode(int pos, Tree tree, bool value) : Node(pos, tree)
{
    public bool True { get; } = value;

    public override void WriteTo(StringBuilder sb) => sb.Append(True ? "true" : "false");
}

internal sealed class NumberNode(int pos, Tree tree, string text) : Node(pos, tree)
{
    public string Text { get; } = text;

    public bool IsInt { get; set; }

    public bool IsUint { get; set; }

    public bool IsFloat { get; set; }

    public bool IsComplex { get; set; }

    public long Int64 { get; set; }

    public ulong Uint64 { get; set; }

    public double Float64 { get; set; }

    public override void WriteTo(StringBuilder sb) => sb.Append(Text);
}

internal sealed class StringNode(int pos, Tree tree, string quoted, string text) : Node(pos, tree)
{
    public string Quoted { get; } = quoted;

    public string Text { get; } = text;

    public override void WriteTo(StringBuilder sb) => sb.Append(Quoted);
}

internal sealed class EndNode(int pos, Tree tree) : Node(pos, tree)
{
    public override void WriteTo(StringBuilder sb) => sb.Append("{{end}}");
}

internal sealed class ElseNode(int pos, Tree tree, int line) : Node(pos, tree)
{
    public int Line { get; } = line;

    public override void WriteTo(StringBuilder sb) => sb.Append("{{else}}");
}

internal enum BranchKind { If, Range, With }

internal sealed class BranchNode(BranchKind kind, int pos, Tree tree, int line, PipeNode pipe, ListNode list, ListNode? elseList) : Node(pos, tree)
{
    public BranchKind Kind { get; } = kind;

    public int Line { get; } = line;

    public PipeNode Pipe { get; } = pipe;

    public ListNode List { get; } = list;

    public ListNode? ElseList { get; } = elseList;

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append("{{").Append(Kind switch { BranchKind.If => "if", BranchKind.Range => "range", _ => "with" }).Append(' ');
        Pipe.WriteTo(sb);
        sb.Append("}}");
        List.WriteTo(sb);
        if (ElseList is not null)
        {
            sb.Append("{{else}}");
            ElseList.WriteTo(sb);
        }

        sb.Append("{{end}}");
    }
}

internal sealed class BreakNode(int pos, Tree tree) : Node(pos, tree)
{
    public override void WriteTo(StringBuilder sb) => sb.Append("{{break}}");
}

internal sealed class ContinueNode(int pos, Tree tree) : Node(pos, tree)
{
    public override void WriteTo(StringBuilder sb) => sb.Append("{{continue}}");
}

internal sealed class TemplateNode(int pos, Tree tree, int line, string name, PipeNode? pipe) : Node(pos, tree)
{
    public int Line { get; } = line;

    // Settable for html/template's escaper, which edits private copies of the trees (Html/HtmlEscaper.cs).
    public string Name { get; set; } = name;

    public PipeNode? Pipe { get; } = pipe;

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append("{{template ").Append(GoQuote.Quote(Name));
        if (Pipe is not null)
        {
            sb.Append(' ');
            Pipe.WriteTo(sb);
        }

        sb.Append("}}");
    }
}
