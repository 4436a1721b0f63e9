namespace Promoter.Renderer.Prometheus.PromQL;

internal enum TokenKind
{
    End,
    Identifier,
    Keyword,
    Number,
    Duration,
    String,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    At,
    Assign,
    NotEqual,
    RegexMatch,
    RegexNoMatch,
    Equal,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Plus,
    Minus,
    Multiply,
    Divide,
    Modulo,
    Power,
}

/// <summary>One lexical token; <see cref="Text"/> is the source slice (a string's decoded value for strings).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Start, int End, double Number = 0)
{
    public bool IsKeyword(string word) =>
        Kind == TokenKind.Keyword && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Kind switch
    {
        TokenKind.End => "end of expression",
        TokenKind.String => $"string \"{Text}\"",
        _ => $"'{Text}'",
    };
}

/// <summary>A PromQL syntax error with the position (0-based character offset) where it was found.</summary>
internal sealed class PromQLSyntaxException(string message, int position)
    : Exception($"{message} at character {position + 1}")
{
    public int Position { get; } = position;
}
