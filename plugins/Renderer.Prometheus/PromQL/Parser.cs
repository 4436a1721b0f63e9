namespace Promoter.Renderer.Prometheus.PromQL;

/// <summary>
/// A recursive-descent parser for the PromQL grammar (promql/parser/generated_parser.y): binary operators by
/// precedence (or &lt; and/unless &lt; comparisons &lt; +,- &lt; *,/,%,atan2 &lt; ^, which is right-associative;
/// unary minus binds looser than ^ so -2^2 is -4), vector matching modifiers, aggregations with the grouping
/// before or after the arguments, function calls, selectors, range vectors, subqueries, offset and @.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> AggregationOperators = new(StringComparer.OrdinalIgnoreCase)
    {
        "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values",
        "quantile", "limitk", "limit_ratio",
    };

    private static readonly HashSet<string> ParameterisedAggregations = new(StringComparer.OrdinalIgnoreCase)
    {
        "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio",
    };

    private readonly string _source;
    private readonly List<Token> _tokens;
    private int _pos;

    private Parser(string source)
    {
        _source = source;
        _tokens = Lexer.Tokenize(source);
    }

    /// <summary>Parses a whole expression; throws <see cref="PromQLSyntaxException"/> with a clear message.</summary>
    public static Expr Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parser = new Parser(source);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new PromQLSyntaxException("empty expression", 0);
        }

        var expr = parser.ParseBinary(0);
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw new PromQLSyntaxException($"unexpected {parser.Peek} after a complete expression", parser.Peek.Start);
        }

        return expr;
    }

    public static bool TryParse(string source, out Expr? expr, out string? error)
    {
        try
        {
            expr = Parse(source);
            error = null;
            return true;
        }
        catch (PromQLSyntaxException e)
        {
            expr = null;
            error = e.Message;
            return false;
        }
    }

    private Token Peek => _tokens[_pos];

    private Token Next() => _tokens[_pos++];

    private Token Expect(TokenKind kind, string what)
    {
        var t = Peek;
        if (t.Kind != kind)
        {
            throw new PromQLSyntaxException($"expected {what} but found {t}", t.Start);
        }

        _pos++;
        return t;
    }

    private static int Precedence(Token t) => t.Kind switch
    {
        TokenKind.Keyword when t.IsKeyword("or") => 1,
        TokenKind.Keyword when t.IsKeyword("and") || t.IsKeyword("unless") => 2,
        TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessEqual or TokenKind.Greater or TokenKind.GreaterEqual => 3,
        TokenKind.Plus or TokenKind.Minus => 4,
        TokenKind.Multiply or TokenKind.Divide or TokenKind.Modulo => 5,
        TokenKind.Keyword when t.IsKeyword("atan2") => 5,
        TokenKind.Power => 6,
        _ => -1,
    };

    private Expr ParseBinary(int minPrecedence)
    {
        var left = ParseUnary();
        while (true)
        {
            var op = Peek;
            var precedence = Precedence(op);
            if (precedence < 0 || precedence < minPrecedence)
            {
                return left;
            }

            _pos++;
            var returnBool = false;
            if (Peek.IsKeyword("bool"))
            {
                if (precedence != 3)
                {
                    throw new PromQLSyntaxException("bool modifier can only be used on comparison operators", Peek.Start);
                }

                returnBool = true;
                _pos++;
            }

            var matching = ParseVectorMatching(op);

            // ^ is right-associative; all others are left-associative.
            var right = op.Kind == TokenKind.Power ? ParseBinary(precedence) : ParseBinary(precedence + 1);
            if (precedence == 2 || precedence == 1)
            {
                if (left is NumberLiteral or StringLiteral || right is NumberLiteral or StringLiteral)
                {
                    throw new PromQLSyntaxException($"set operator \"{op.Text}\" not allowed in binary scalar expression", op.Start);
                }
            }

            if (precedence == 3 && !returnBool && IsScalar(left) && IsScalar(right))
            {
                throw new PromQLSyntaxException("comparisons between scalars must use BOOL modifier", op.Start);
            }

            left = new Binary(op.Kind, op.Text, left, right, returnBool, matching, left.Start, right.End);
        }
    }

    private static bool IsScalar(Expr e) => e switch
    {
        NumberLiteral => true,
        Paren p => IsScalar(p.Inner),
        Unary u => IsScalar(u.Operand),
        Binary b => IsScalar(b.Left) && IsScalar(b.Right),
        _ => false,
    };

    private VectorMatching? ParseVectorMatching(Token op)
    {
        if (!Peek.IsKeyword("on") && !Peek.IsKeyword("ignoring"))
        {
            if (Peek.IsKeyword("group_left") || Peek.IsKeyword("group_right"))
            {
                throw new PromQLSyntaxException($"{Peek.Text} must follow on(…) or ignoring(…)", Peek.Start);
            }

            return null;
        }

        var on = Next().IsKeyword("on");
        var labels = ParseLabelList();
        string? group = null;
        IReadOnlyList<string> include = [];
        if (Peek.IsKeyword("group_left") || Peek.IsKeyword("group_right"))
        {
            if (Precedence(op) <= 2)
            {
                throw new PromQLSyntaxException($"no grouping allowed for \"{op.Text}\" operation", Peek.Start);
            }

            group = Next().Text.ToLowerInvariant();
            if (Peek.Kind == TokenKind.LeftParen)
            {
                include = ParseLabelList();
            }
        }

        return new VectorMatching(on, labels, group, include);
    }

    private List<string> ParseLabelList()
    {
        Expect(TokenKind.LeftParen, "'(' to start a label list");
        var labels = new List<string>();
        while (Peek.Kind != TokenKind.RightParen)
        {
            var t = Peek;
            if (t.Kind is TokenKind.Identifier or TokenKind.Keyword || (t.Kind == TokenKind.String))
            {
                if (t.Kind != TokenKind.String && t.Text.Contains(':', StringComparison.Ordinal))
                {
                    throw new PromQLSyntaxException($"invalid label name \"{t.Text}\" in grouping", t.Start);
                }

                labels.Add(t.Text);
                _pos++;
            }
            else
            {
                throw new PromQLSyntaxException($"expected a label name in the list but found {t}", t.Start);
            }

            if (Peek.Kind == TokenKind.Comma)
            {
                _pos++;
            }
            else if (Peek.Kind != TokenKind.RightParen)
            {
                throw new PromQLSyntaxException($"expected ',' or ')' in the label list but found {Peek}", Peek.Start);
            }
        }

        _pos++;
        return labels;
    }

    private Expr ParseUnary()
    {
        var t = Peek;
        if (t.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            _pos++;

            // Unary minus binds looser than ^: -2^2 == -(2^2).
            var operand = ParseBinary(6);
            return new Unary(t.Kind, operand, t.Start, operand.End);
        }

        return ParsePostfix(ParsePrimary());
    }

    private Expr ParsePostfix(Expr expr)
    {
        while (true)
        {
            var t = Peek;
            if (t.Kind == TokenKind.LeftBracket)
            {
                expr = ParseRangeOrSubquery(expr);
            }
            else if (t.IsKeyword("offset") || t.Kind == TokenKind.At)
            {
                expr = ParseModifiers(expr);
            }
            else
            {
                return expr;
            }
        }
    }

    private Expr ParseRangeOrSubquery(Expr expr)
    {
        var open = Next();
        var range = ParseDurationToken("a range duration such as 5m");
        if (Peek.Kind == TokenKind.Colon)
        {
            _pos++;
            TimeSpan? step = null;
            if (Peek.Kind != TokenKind.RightBracket)
            {
                step = ParseDurationToken("a subquery step such as 1m");
            }

            var close = Expect(TokenKind.RightBracket, "']' to close the subquery");
            if (expr is MatrixSelector)
            {
                throw new PromQLSyntaxException("subquery is only allowed on instant vector, got range vector", open.Start);
            }

            return new Subquery(expr, range, step, expr.Start, close.End);
        }

        var end = Expect(TokenKind.RightBracket, "']' to close the range").End;
        var target = expr is Modified m ? m.Inner : expr;
        if (target is not VectorSelector)
        {
            throw new PromQLSyntaxException("ranges only allowed for vector selectors; use a subquery [range:step] for other expressions", open.Start);
        }

        if (expr is Modified)
        {
            throw new PromQLSyntaxException("offset and @ must follow the range, as in x[5m] offset 1h", open.Start);
        }

        return new MatrixSelector(expr, range, expr.Start, end);
    }

    private TimeSpan ParseDurationToken(string what)
    {
        var t = Peek;
        if (t.Kind == TokenKind.Duration)
        {
            _pos++;
            return TimeSpan.FromSeconds(t.Number);
        }

        // A plain number of seconds is accepted by Prometheus 3 in ranges ([300]).
        if (t.Kind == TokenKind.Number && double.IsFinite(t.Number) && t.Number > 0)
        {
            _pos++;
            return TimeSpan.FromSeconds(t.Number);
        }

        throw new PromQLSyntaxException($"expected {what} but found {t}", t.Start);
    }

    private Expr ParseModifiers(Expr expr)
    {
        if (expr is not (VectorSelector or MatrixSelector or Subquery or Modified))
        {
            throw new PromQLSyntaxException($"offset and @ modifiers must follow a selector or subquery, not {Describe(expr)}", Peek.Start);
        }

        TimeSpan? offset = (expr as Modified)?.Offset;
        var at = (expr as Modified)?.At;
        var inner = expr is Modified m ? m.Inner : expr;
        var end = expr.End;
        if (Peek.IsKeyword("offset"))
        {
            var kw = Next();
            if (offset is not null)
            {
                throw new PromQLSyntaxException("offset may not be set multiple times", kw.Start);
            }

            var negative = false;
            if (Peek.Kind is TokenKind.Minus or TokenKind.Plus)
            {
                negative = Next().Kind == TokenKind.Minus;
            }

            var d = ParseDurationToken("a duration after offset");
            offset = negative ? -d : d;
            end = _tokens[_pos - 1].End;
        }
        else
        {
            var atToken = Next();
            if (at is not null)
            {
                throw new PromQLSyntaxException("@ may not be set multiple times", atToken.Start);
            }

            var t = Peek;
            if (t.Kind == TokenKind.Identifier && t.Text is "start" or "end")
            {
                _pos++;
                Expect(TokenKind.LeftParen, "'(' after " + t.Text);
                end = Expect(TokenKind.RightParen, "')' after " + t.Text + "(").End;
                at = t.Text + "()";
            }
            else
            {
                var negative = false;
                if (Peek.Kind is TokenKind.Minus or TokenKind.Plus)
                {
                    negative = Next().Kind == TokenKind.Minus;
                }

                var n = Expect(TokenKind.Number, "a unix timestamp, start() or end() after @");
                at = (negative ? "-" : "") + n.Text;
                end = n.End;
            }
        }

        return new Modified(inner, offset, at, expr.Start, end);
    }

    private static string Describe(Expr e) => e switch
    {
        NumberLiteral => "a number",
        StringLiteral => "a string",
        Call c => $"a call to {c.Function}()",
        Aggregate a => $"an aggregation ({a.Operator})",
        Paren => "a parenthesised expression",
        Binary => "a binary expression",
        _ => "an expression",
    };

    private Expr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number:
                _pos++;
                return new NumberLiteral(t.Number, t.Start, t.End);
            case TokenKind.Duration:
                // Prometheus 3 accepts a duration where a number is expected (seconds).
                _pos++;
                return new NumberLiteral(t.Number, t.Start, t.End);
            case TokenKind.String:
                _pos++;
                return new StringLiteral(t.Text, t.Start, t.End);
            case TokenKind.LeftParen:
            {
                _pos++;
                if (Peek.Kind == TokenKind.RightParen)
                {
                    throw new PromQLSyntaxException("empty parentheses", Peek.Start);
                }

                var inner = ParseBinary(0);
                var close = Expect(TokenKind.RightParen, "')'");
                return new Paren(inner, t.Start, close.End);
            }

            case TokenKind.LeftBrace:
                return ParseSelector(null, t.Start);
            case TokenKind.Identifier:
            {
                _pos++;
                if (AggregationOperators.Contains(t.Text) && (Peek.Kind == TokenKind.LeftParen || Peek.IsKeyword("by") || Peek.IsKeyword("without")))
                {
                    return ParseAggregation(t);
                }

                if (Peek.Kind == TokenKind.LeftParen)
                {
                    return ParseCall(t);
                }

                return ParseSelector(t.Text, t.Start);
            }

            case TokenKind.Keyword when t.IsKeyword("bool") || t.IsKeyword("offset") || t.IsKeyword("on") || t.IsKeyword("by"):
                throw new PromQLSyntaxException($"unexpected keyword {t} where an expression was expected", t.Start);
            case TokenKind.Keyword:
                // Keywords are valid metric names in a selector position only when followed by a brace, which
                // PromQL does not allow either; report it plainly.
                throw new PromQLSyntaxException($"unexpected {t} where an expression was expected", t.Start);
            case TokenKind.End:
                throw new PromQLSyntaxException("unexpected end of expression", t.Start);
            default:
                throw new PromQLSyntaxException($"unexpected {t} where an expression was expected", t.Start);
        }
    }

    private Aggregate ParseAggregation(Token op)
    {
        IReadOnlyList<string>? grouping = null;
        var without = false;
        if (Peek.IsKeyword("by") || Peek.IsKeyword("without"))
        {
            without = Next().IsKeyword("without");
            grouping = ParseLabelList();
        }

        Expect(TokenKind.LeftParen, $"'(' after {op.Text}");
        var args = new List<Expr>();
        if (Peek.Kind != TokenKind.RightParen)
        {
            args.Add(ParseBinary(0));
            while (Peek.Kind == TokenKind.Comma)
            {
                _pos++;
                if (Peek.Kind == TokenKind.RightParen)
                {
                    break;
                }

                args.Add(ParseBinary(0));
            }
        }

        var close = Expect(TokenKind.RightParen, $"')' to close {op.Text}(…)");
        var end = close.End;
        if (Peek.IsKeyword("by") || Peek.IsKeyword("without"))
        {
            if (grouping is not null)
            {
                throw new PromQLSyntaxException($"{op.Text} has two grouping clauses", Peek.Start);
            }

            without = Next().IsKeyword("without");
            grouping = ParseLabelList();
            end = _tokens[_pos - 1].End;
        }

        var expected = ParameterisedAggregations.Contains(op.Text) ? 2 : 1;
        if (args.Count != expected)
        {
            throw new PromQLSyntaxException($"wrong number of arguments for aggregate expression {op.Text}: expected {expected}, got {args.Count}", close.Start);
        }

        return new Aggregate(op.Text.ToLowerInvariant(), expected == 2 ? args[0] : null, args[^1], grouping, without, op.Start, end);
    }

    private Call ParseCall(Token name)
    {
        _pos++;
        var args = new List<Expr>();
        if (Peek.Kind != TokenKind.RightParen)
        {
            args.Add(ParseBinary(0));
            while (Peek.Kind == TokenKind.Comma)
            {
                _pos++;
                args.Add(ParseBinary(0));
            }
        }

        var close = Expect(TokenKind.RightParen, $"')' to close {name.Text}(…)");
        return new Call(name.Text, args, name.Start, close.End);
    }

    private VectorSelector ParseSelector(string? metricName, int start)
    {
        var matchers = new List<LabelMatcher>();
        var end = start + (metricName?.Length ?? 0);
        if (Peek.Kind == TokenKind.LeftBrace)
        {
            _pos++;
            while (Peek.Kind != TokenKind.RightBrace)
            {
                var nameToken = Next();
                if (nameToken.Kind == TokenKind.String && Peek.Kind is TokenKind.Comma or TokenKind.RightBrace)
                {
                    // Prometheus 3 quoted metric name: {"http.requests", job="x"}.
                    if (metricName is not null)
                    {
                        throw new PromQLSyntaxException("metric name must not be set twice", nameToken.Start);
                    }

                    metricName = nameToken.Text;
                }
                else
                {
                    if (nameToken.Kind is not (TokenKind.Identifier or TokenKind.Keyword or TokenKind.String))
                    {
                        throw new PromQLSyntaxException($"expected a label name in the selector but found {nameToken}", nameToken.Start);
                    }

                    var opToken = Next();
                    var op = opToken.Kind switch
                    {
                        TokenKind.Assign => MatchOp.Equal,
                        TokenKind.NotEqual => MatchOp.NotEqual,
                        TokenKind.RegexMatch => MatchOp.Regex,
                        TokenKind.RegexNoMatch => MatchOp.NotRegex,
                        _ => throw new PromQLSyntaxException(
                            $"expected one of =, !=, =~, !~ after label {nameToken.Text} but found {opToken}", opToken.Start),
                    };
                    var value = Next();
                    if (value.Kind != TokenKind.String)
                    {
                        throw new PromQLSyntaxException($"label {nameToken.Text} needs a quoted value, found {value}", value.Start);
                    }

                    matchers.Add(new LabelMatcher(nameToken.Text, op, value.Text));
                }

                if (Peek.Kind == TokenKind.Comma)
                {
                    _pos++;
                }
                else if (Peek.Kind != TokenKind.RightBrace)
                {
                    throw new PromQLSyntaxException($"expected ',' or '}}' in the selector but found {Peek}", Peek.Start);
                }
            }

            end = Next().End;
        }

        if (metricName is null && !matchers.Exists(m => m.Op == MatchOp.Equal ? m.Value.Length > 0 : m.Op == MatchOp.NotEqual || !RegexMatchesEmpty(m.Value)))
        {
            throw new PromQLSyntaxException("vector selector must contain at least one non-empty matcher", start);
        }

        return new VectorSelector(metricName, matchers, start, end);
    }

    private static bool RegexMatchesEmpty(string pattern) => pattern is "" or ".*" or "^.*$" or ".*?";
}
