using System.Globalization;
using System.Text;

namespace Promoter.Renderer.Prometheus.PromQL;

/// <summary>
/// Splits a PromQL expression into tokens, following the Prometheus lexer (promql/parser/lex.go): identifiers
/// may contain colons (recording rule names), numbers include hex, 1e-06, Inf and NaN, durations are unit runs
/// such as 1h30m, strings use "…", '…' (with Go escapes) or `raw`, and # starts a comment to the end of line.
/// </summary>
internal static class Lexer
{
    // Keywords are case-insensitive in PromQL; aggregation operators and function names are identifiers here.
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    };

    public static List<Token> Tokenize(string input)
    {
        var tokens = new List<Token>();
        var i = 0;
        // Inside [...] a colon separates a subquery's range and step; outside it may begin a metric name
        // (Prometheus' grammar: [a-zA-Z_:][a-zA-Z0-9_:]*, as recording rules such as :node_memory:ratio use).
        var brackets = 0;
        while (true)
        {
            while (i < input.Length && (char.IsWhiteSpace(input[i]) || input[i] == '#'))
            {
                if (input[i] == '#')
                {
                    while (i < input.Length && input[i] != '\n')
                    {
                        i++;
                    }
                }
                else
                {
                    i++;
                }
            }

            if (i >= input.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", input.Length, input.Length));
                return tokens;
            }

            var start = i;
            var c = input[i];
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < input.Length && char.IsAsciiDigit(input[i + 1])))
            {
                tokens.Add(LexNumberOrDuration(input, ref i));
                continue;
            }

            if (IsIdentifierStart(c) || (c == ':' && brackets == 0))
            {
                while (i < input.Length && IsIdentifierPart(input[i]))
                {
                    i++;
                }

                var word = input[start..i];
                if (string.Equals(word, "inf", StringComparison.OrdinalIgnoreCase))
                {
                    tokens.Add(new Token(TokenKind.Number, word, start, i, double.PositiveInfinity));
                }
                else if (string.Equals(word, "nan", StringComparison.OrdinalIgnoreCase))
                {
                    tokens.Add(new Token(TokenKind.Number, word, start, i, double.NaN));
                }
                else
                {
                    tokens.Add(new Token(Keywords.Contains(word) ? TokenKind.Keyword : TokenKind.Identifier, word, start, i));
                }

                continue;
            }

            if (c is '"' or '\'' or '`')
            {
                tokens.Add(LexString(input, ref i));
                continue;
            }

            var two = i + 1 < input.Length ? input.Substring(i, 2) : "";
            var (kind, length) = two switch
            {
                "==" => (TokenKind.Equal, 2),
                "!=" => (TokenKind.NotEqual, 2),
                "=~" => (TokenKind.RegexMatch, 2),
                "!~" => (TokenKind.RegexNoMatch, 2),
                "<=" => (TokenKind.LessEqual, 2),
                ">=" => (TokenKind.GreaterEqual, 2),
                _ => c switch
                {
                    '(' => (TokenKind.LeftParen, 1),
                    ')' => (TokenKind.RightParen, 1),
                    '{' => (TokenKind.LeftBrace, 1),
                    '}' => (TokenKind.RightBrace, 1),
                    '[' => (TokenKind.LeftBracket, 1),
                    ']' => (TokenKind.RightBracket, 1),
                    ',' => (TokenKind.Comma, 1),
                    ':' => (TokenKind.Colon, 1),
                    '@' => (TokenKind.At, 1),
                    '=' => (TokenKind.Assign, 1),
                    '<' => (TokenKind.Less, 1),
                    '>' => (TokenKind.Greater, 1),
                    '+' => (TokenKind.Plus, 1),
                    '-' => (TokenKind.Minus, 1),
                    '*' => (TokenKind.Multiply, 1),
                    '/' => (TokenKind.Divide, 1),
                    '%' => (TokenKind.Modulo, 1),
                    '^' => (TokenKind.Power, 1),
                    _ => throw new PromQLSyntaxException($"unexpected character '{c}'", i),
                },
            };
            i += length;
            brackets += kind == TokenKind.LeftBracket ? 1 : kind == TokenKind.RightBracket && brackets > 0 ? -1 : 0;
            tokens.Add(new Token(kind, input[start..i], start, i));
        }
    }

    // A leading colon is an identifier start only outside brackets (see Lex): in [5m:1m] it separates a subquery's range and step.
    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or ':';

    private static Token LexNumberOrDuration(string input, ref int i)
    {
        var start = i;

        // Hexadecimal: 0x1F.
        if (input[i] == '0' && i + 2 < input.Length && input[i + 1] is 'x' or 'X' && char.IsAsciiHexDigit(input[i + 2]))
        {
            i += 2;
            while (i < input.Length && char.IsAsciiHexDigit(input[i]))
            {
                i++;
            }

            var hex = input[start..i];
            return new Token(TokenKind.Number, hex, start, i, long.Parse(hex.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }

        // A duration is a run of <digits><unit> groups (1h30m, 5m, 250ms); try it first.
        var j = i;
        var units = 0;
        while (j < input.Length && char.IsAsciiDigit(input[j]))
        {
            var k = j;
            while (k < input.Length && char.IsAsciiDigit(input[k]))
            {
                k++;
            }

            var unitLength = DurationUnitLength(input, k);
            if (unitLength == 0)
            {
                break;
            }

            j = k + unitLength;
            units++;
        }

        if (units > 0 && (j >= input.Length || !IsIdentifierPart(input[j]) || input[j] == ':'))
        {
            i = j;
            var text = input[start..i];
            return new Token(TokenKind.Duration, text, start, i, ParseDuration(text, start).TotalSeconds);
        }

        while (i < input.Length && (char.IsAsciiDigit(input[i]) || input[i] is '.' or '_'))
        {
            i++;
        }

        if (i < input.Length && input[i] is 'e' or 'E')
        {
            var k = i + 1;
            if (k < input.Length && input[k] is '+' or '-')
            {
                k++;
            }

            if (k < input.Length && char.IsAsciiDigit(input[k]))
            {
                i = k;
                while (i < input.Length && char.IsAsciiDigit(input[i]))
                {
                    i++;
                }
            }
        }

        var number = input[start..i];
        if ((i < input.Length && IsIdentifierPart(input[i]) && input[i] != ':') ||
            !double.TryParse(number.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            var end = i;
            while (end < input.Length && IsIdentifierPart(input[end]))
            {
                end++;
            }

            throw new PromQLSyntaxException($"bad number or duration syntax \"{input[start..end]}\"", start);
        }

        return new Token(TokenKind.Number, number, start, i, value);
    }

    private static int DurationUnitLength(string input, int k)
    {
        if (k >= input.Length)
        {
            return 0;
        }

        if (input[k] == 'm' && k + 1 < input.Length && input[k + 1] == 's')
        {
            return 2;
        }

        return input[k] is 's' or 'm' or 'h' or 'd' or 'w' or 'y' ? 1 : 0;
    }

    public static TimeSpan ParseDuration(string text, int position)
    {
        double seconds = 0;
        var i = 0;
        while (i < text.Length)
        {
            var k = i;
            while (k < text.Length && char.IsAsciiDigit(text[k]))
            {
                k++;
            }

            var n = double.Parse(text.AsSpan(i, k - i), NumberStyles.Integer, CultureInfo.InvariantCulture);
            var unitLength = DurationUnitLength(text, k);
            var unit = text.Substring(k, unitLength);
            seconds += n * unit switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                "w" => 7 * 86400,
                "y" => 365 * 86400,
                _ => throw new PromQLSyntaxException($"bad duration \"{text}\"", position),
            };
            i = k + unitLength;
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static Token LexString(string input, ref int i)
    {
        var start = i;
        var quote = input[i++];
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= input.Length || (quote != '`' && input[i] == '\n'))
            {
                throw new PromQLSyntaxException("unterminated quoted string", start);
            }

            var c = input[i++];
            if (c == quote)
            {
                return new Token(TokenKind.String, sb.ToString(), start, i);
            }

            if (c != '\\' || quote == '`')
            {
                sb.Append(c);
                continue;
            }

            if (i >= input.Length)
            {
                throw new PromQLSyntaxException("unterminated quoted string", start);
            }

            var e = input[i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '"' or '\'': sb.Append(e); break;
                case 'x' or 'u' or 'U':
                    var digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > input.Length ||
                        !int.TryParse(input.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new PromQLSyntaxException($"invalid escape \\{e} in string", i - 2);
                    }

                    sb.Append(char.ConvertFromUtf32(code));
                    i += digits;
                    break;
                case >= '0' and <= '7':
                    if (i + 2 > input.Length)
                    {
                        throw new PromQLSyntaxException("invalid octal escape in string", i - 2);
                    }

                    sb.Append((char)Convert.ToInt32(input.Substring(i - 1, 3), 8));
                    i += 2;
                    break;
                default:
                    // Go's strconv.Unquote rejects unknown escapes such as \d: regexes need \\d inside "…".
                    throw new PromQLSyntaxException($"unknown escape sequence \\{e} in string (write \\\\{e}, or use a `raw` string)", i - 2);
            }
        }
    }
}
