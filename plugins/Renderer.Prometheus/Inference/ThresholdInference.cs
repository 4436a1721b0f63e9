using Promoter.Renderer.Prometheus.PromQL;

namespace Promoter.Renderer.Prometheus.Inference;

/// <summary>Which side of the threshold is the alerting one.</summary>
internal enum BreachDirection
{
    None,
    Above,
    AboveOrEqual,
    Below,
    BelowOrEqual,
    Equal,
    NotEqual,
}

/// <summary>One chart to draw: the query to plot and what it is compared with.</summary>
/// <param name="Query">The PromQL to plot.</param>
/// <param name="Threshold">A constant threshold, when the other side of the comparison is a literal.</param>
/// <param name="ThresholdQuery">The other side when it is not a literal, plotted as a series named threshold.</param>
/// <param name="Direction">Which side of the threshold fires.</param>
/// <param name="ParseError">Why the expression could not be parsed (then it is plotted whole).</param>
internal sealed record ChartPlan(string Query, double? Threshold, string? ThresholdQuery, BreachDirection Direction, string? ParseError = null)
{
    public Expr? Plotted { get; init; }
}

/// <summary>
/// Finds what an alerting expression compares: the top-level comparison gives the plotted side, the threshold
/// and its direction; and/or/unless give one chart per comparison. A literal on the left (0.8 &lt; x) flips the
/// direction; a comparison with bool returns 0/1 instead of filtering, so it is plotted as is.
/// </summary>
internal static class ThresholdInference
{
    public static IReadOnlyList<ChartPlan> Infer(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (!Parser.TryParse(expression, out var expr, out var error))
        {
            return [new ChartPlan(expression.Trim(), null, null, BreachDirection.None, error)];
        }

        var plans = new List<ChartPlan>();
        Collect(expression, expr!, plans);
        return plans;
    }

    private static void Collect(string source, Expr expr, List<ChartPlan> plans)
    {
        var e = Unwrap(expr);
        if (e is Binary { IsSetOperator: true } set)
        {
            Collect(source, set.Left, plans);
            Collect(source, set.Right, plans);
            return;
        }

        if (e is Binary { IsComparison: true, ReturnBool: false } cmp)
        {
            var left = ConstantValue(cmp.Left);
            var right = ConstantValue(cmp.Right);
            if (right is { } r && left is null)
            {
                plans.Add(new ChartPlan(cmp.Left.SourceIn(source), r, null, DirectionOf(cmp.Op, flipped: false)) { Plotted = cmp.Left });
                return;
            }

            if (left is { } l && right is null)
            {
                plans.Add(new ChartPlan(cmp.Right.SourceIn(source), l, null, DirectionOf(cmp.Op, flipped: true)) { Plotted = cmp.Right });
                return;
            }

            if (left is null && right is null)
            {
                plans.Add(new ChartPlan(cmp.Left.SourceIn(source), null, cmp.Right.SourceIn(source), DirectionOf(cmp.Op, flipped: false)) { Plotted = cmp.Left });
                return;
            }
        }

        plans.Add(new ChartPlan(e.SourceIn(source), null, null, BreachDirection.None) { Plotted = e });
    }

    private static Expr Unwrap(Expr e)
    {
        while (e is Paren p)
        {
            e = p.Inner;
        }

        return e;
    }

    /// <summary>The value of a constant expression (1024 * 1024, -5, (0.9)), or null when it depends on data.</summary>
    public static double? ConstantValue(Expr e) => e switch
    {
        NumberLiteral n => n.Value,
        Paren p => ConstantValue(p.Inner),
        Unary u => ConstantValue(u.Operand) is { } v ? (u.Op == TokenKind.Minus ? -v : v) : null,
        Binary { ReturnBool: false } b when !b.IsComparison && !b.IsSetOperator &&
                                           ConstantValue(b.Left) is { } l && ConstantValue(b.Right) is { } r => b.Op switch
        {
            TokenKind.Plus => l + r,
            TokenKind.Minus => l - r,
            TokenKind.Multiply => l * r,
            TokenKind.Divide => l / r,
            TokenKind.Modulo => l % r, // C#'s % keeps the dividend's sign, like Go's math.Mod that Prometheus uses.
            TokenKind.Power => Math.Pow(l, r),
            _ => Math.Atan2(l, r),
        },
        Call { Function: "vector" or "scalar" } c when c.Args.Count == 1 => ConstantValue(c.Args[0]),
        _ => null,
    };

    private static BreachDirection DirectionOf(TokenKind op, bool flipped) => (op, flipped) switch
    {
        (TokenKind.Greater, false) or (TokenKind.Less, true) => BreachDirection.Above,
        (TokenKind.GreaterEqual, false) or (TokenKind.LessEqual, true) => BreachDirection.AboveOrEqual,
        (TokenKind.Less, false) or (TokenKind.Greater, true) => BreachDirection.Below,
        (TokenKind.LessEqual, false) or (TokenKind.GreaterEqual, true) => BreachDirection.BelowOrEqual,
        (TokenKind.Equal, _) => BreachDirection.Equal,
        (TokenKind.NotEqual, _) => BreachDirection.NotEqual,
        _ => BreachDirection.None,
    };
}
