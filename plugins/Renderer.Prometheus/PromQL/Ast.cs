namespace Promoter.Renderer.Prometheus.PromQL;

/// <summary>
/// A PromQL expression node. <see cref="Start"/>..<see cref="End"/> is the node's slice of the source, so a
/// sub-expression is re-queried exactly as the rule author wrote it.
/// </summary>
internal abstract record Expr(int Start, int End)
{
    public string SourceIn(string source) => source[Start..End].Trim();
}

internal sealed record NumberLiteral(double Value, int Start, int End) : Expr(Start, End);

internal sealed record StringLiteral(string Value, int Start, int End) : Expr(Start, End);

internal enum MatchOp
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

internal sealed record LabelMatcher(string Name, MatchOp Op, string Value);

internal sealed record VectorSelector(string? MetricName, IReadOnlyList<LabelMatcher> Matchers, int Start, int End)
    : Expr(Start, End);

internal sealed record MatrixSelector(Expr Vector, TimeSpan Range, int Start, int End) : Expr(Start, End);

internal sealed record Subquery(Expr Inner, TimeSpan Range, TimeSpan? Step, int Start, int End) : Expr(Start, End);

/// <summary><c>offset</c> and/or <c>@</c> applied to a selector or subquery.</summary>
internal sealed record Modified(Expr Inner, TimeSpan? Offset, string? At, int Start, int End) : Expr(Start, End);

internal sealed record Call(string Function, IReadOnlyList<Expr> Args, int Start, int End) : Expr(Start, End);

internal sealed record Aggregate(string Operator, Expr? Parameter, Expr Inner, IReadOnlyList<string>? Grouping, bool Without, int Start, int End)
    : Expr(Start, End);

internal sealed record Paren(Expr Inner, int Start, int End) : Expr(Start, End);

internal sealed record Unary(TokenKind Op, Expr Operand, int Start, int End) : Expr(Start, End);

internal sealed record VectorMatching(bool On, IReadOnlyList<string> Labels, string? Group, IReadOnlyList<string> Include);

internal sealed record Binary(TokenKind Op, string OpText, Expr Left, Expr Right, bool ReturnBool, VectorMatching? Matching, int Start, int End)
    : Expr(Start, End)
{
    public bool IsComparison => Op is TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessEqual or TokenKind.Greater or TokenKind.GreaterEqual;

    public bool IsSetOperator => Op == TokenKind.Keyword && OpText.ToLowerInvariant() is "and" or "or" or "unless";
}
