using System.Globalization;

namespace Promoter.Templating.Parsing;

internal enum ItemType
{
    Error, Bool, Char, CharConstant, Comment, Complex, Assign, Declare, EOF, Field, Identifier, LeftDelim,
    LeftParen, Number, Pipe, RawString, RightDelim, RightParen, Space, String, Text, Variable,
    // Keywords sort after this marker (Go prints them as <name>).
    Keyword, Block, Break, Continue, Dot, Define, Else, End, If, Nil, Range, Template, With,
}

internal readonly record struct Item(ItemType Type, int Pos, string Value, int Line)
{
    /// <summary>How Go's parser names a token in "unexpected …" messages.</summary>
    public override string ToString() => Type switch
    {
        ItemType.EOF => "EOF",
        ItemType.Error => Value,
        > ItemType.Keyword => "<" + Value + ">",
        _ when Value.Length > 10 => GoQuote.Quote(Value, 10) + "...",
        _ => GoQuote.Quote(Value),
    };
}

/// <summary>
/// Splits template text into tokens the way Go's text/template/parse lexer does, including its error
/// messages, "{{- " / " -}}" trimming and comments. Produces the whole token list up front.
/// </summary>
internal sealed class Lexer
{
    private const string LeftDelim = "{{";
    private const string RightDelim = "}}";
    private const string LeftComment = "/*";
    private const string RightComment = "*/";

    private static readonly Dictionary<string, ItemType> Keywords = new(StringComparer.Ordinal)
    {
        ["."] = ItemType.Dot, ["block"] = ItemType.Block, ["break"] = ItemType.Break, ["continue"] = ItemType.Continue,
        ["define"] = ItemType.Define, ["else"] = ItemType.Else, ["end"] = ItemType.End, ["if"] = ItemType.If,
        ["range"] = ItemType.Range, ["nil"] = ItemType.Nil, ["template"] = ItemType.Template, ["with"] = ItemType.With,
    };

    private readonly string _input;
    private readonly List<Item> _items = [];
    private int _pos;
    private int _start;
    private int _line = 1;
    private int _startLine = 1;
    private int _parenDepth;
    private bool _done;

    private Lexer(string input) => _input = input;

    public static List<Item> Lex(string input)
    {
        var l = new Lexer(input);
        l.Run();
        return l._items;
    }

    private void Run()
    {
        var state = State.Text;
        while (!_done)
        {
            state = state switch
            {
                State.Text => LexText(),
                State.LeftDelim => LexLeftDelim(),
                State.Comment => LexComment(),
                State.RightDelim => LexRightDelim(),
                State.InsideAction => LexInsideAction(),
                _ => throw new InvalidOperationException(),
            };
        }
    }

    private enum State { Text, LeftDelim, Comment, RightDelim, InsideAction, Done }

    private const char Eof = '\uFFFF';

    private char Next()
    {
        if (_pos >= _input.Length)
        {
            _pos = _input.Length + 1;
            return Eof;
        }

        var c = _input[_pos++];
        if (c == '\n')
        {
            _line++;
        }

        return c;
    }

    private char Peek() => _pos < _input.Length ? _input[_pos] : Eof;

    private void Backup()
    {
        if (_pos > _input.Length)
        {
            _pos = _input.Length;
            return;
        }

        _pos--;
        if (_input[_pos] == '\n')
        {
            _line--;
        }
    }

    private void Emit(ItemType t)
    {
        _items.Add(new Item(t, _start, _input[_start.._pos], _startLine));
        _start = _pos;
        _startLine = _line;
    }

    private void Ignore()
    {
        _startLine = _line;
        _start = _pos;
    }

    private int CountNewlines(int from, int to)
    {
        var n = 0;
        for (var i = from; i < to && i < _input.Length; i++)
        {
            if (_input[i] == '\n')
            {
                n++;
            }
        }

        return n;
    }

    private bool Accept(string valid)
    {
        if (valid.Contains(Next(), StringComparison.Ordinal))
        {
            return true;
        }

        Backup();
        return false;
    }

    private void AcceptRun(string valid)
    {
        while (valid.Contains(Next(), StringComparison.Ordinal))
        {
        }

        Backup();
    }

    private State Error(string message)
    {
        _items.Add(new Item(ItemType.Error, _start, message, _startLine));
        _done = true;
        return State.Done;
    }

    private State LexText()
    {
        var x = _input.IndexOf(LeftDelim, _pos, StringComparison.Ordinal);
        if (x >= 0)
        {
            var textEnd = x;
            if (HasLeftTrimMarker(x + LeftDelim.Length))
            {
                textEnd -= RightTrimLength(_input.AsSpan(_start, x - _start));
            }

            if (textEnd > _start)
            {
                _items.Add(new Item(ItemType.Text, _start, _input[_start..textEnd], _startLine));
            }

            Advance(x - _pos);
            Ignore();
            return State.LeftDelim;
        }

        Advance(_input.Length - _pos);
        if (_pos > _start)
        {
            Emit(ItemType.Text);
        }

        _items.Add(new Item(ItemType.EOF, _pos, "", _line));
        _done = true;
        return State.Done;
    }

    // Moves forward n characters, counting the newlines passed.
    private void Advance(int n)
    {
        var end = Math.Min(_pos + n, _input.Length);
        _line += CountNewlines(_pos, end);
        _pos = end;
    }

    // "{{- " : a dash followed by an ASCII space character.
    private bool HasLeftTrimMarker(int at) =>
        at + 1 < _input.Length && _input[at] == '-' && IsSpace(_input[at + 1]);

    // " -}}" at the given position.
    private bool HasRightTrimMarker(int at) =>
        at + 1 < _input.Length && IsSpace(_input[at]) && _input[at + 1] == '-';

    private static int RightTrimLength(ReadOnlySpan<char> s)
    {
        var n = 0;
        for (var i = s.Length - 1; i >= 0 && IsSpace(s[i]); i--)
        {
            n++;
        }

        return n;
    }

    private int LeftTrimLength(int from)
    {
        var n = 0;
        while (from + n < _input.Length && IsSpace(_input[from + n]))
        {
            n++;
        }

        return n;
    }

    private (bool Delim, bool Trim) AtRightDelim()
    {
        if (HasRightTrimMarker(_pos) && string.CompareOrdinal(_input, _pos + 2, RightDelim, 0, 2) == 0)
        {
            return (true, true);
        }

        if (string.CompareOrdinal(_input, _pos, RightDelim, 0, 2) == 0 && _pos + 2 <= _input.Length)
        {
            return (true, false);
        }

        return (false, false);
    }

    private State LexLeftDelim()
    {
        Advance(LeftDelim.Length);
        var trim = HasLeftTrimMarker(_pos);
        var afterMarker = trim ? 2 : 0;
        if (string.CompareOrdinal(_input, _pos + afterMarker, LeftComment, 0, 2) == 0 && _pos + afterMarker + 2 <= _input.Length)
        {
            Advance(afterMarker);
            Ignore();
            return State.Comment;
        }

        Emit(ItemType.LeftDelim);
        Advance(afterMarker);
        Ignore();
        _parenDepth = 0;
        return State.InsideAction;
    }

    private State LexComment()
    {
        Advance(LeftComment.Length);
        var x = _input.IndexOf(RightComment, _pos, StringComparison.Ordinal);
        if (x < 0)
        {
            return Error("unclosed comment");
        }

        Advance(x + RightComment.Length - _pos);
        var (delim, trim) = AtRightDelim();
        if (!delim)
        {
            return Error("comment ends before closing delimiter");
        }

        Emit(ItemType.Comment);
        if (trim)
        {
            Advance(2);
        }

        Advance(RightDelim.Length);
        if (trim)
        {
            Advance(LeftTrimLength(_pos));
        }

        Ignore();
        return State.Text;
    }

    private State LexRightDelim()
    {
        var (_, trim) = AtRightDelim();
        if (trim)
        {
            Advance(2);
            Ignore();
        }

        Advance(RightDelim.Length);
        Emit(ItemType.RightDelim);
        if (trim)
        {
            Advance(LeftTrimLength(_pos));
            Ignore();
        }

        return State.Text;
    }

    private State LexInsideAction()
    {
        var (delim, _) = AtRightDelim();
        if (delim)
        {
            if (_parenDepth == 0)
            {
                return State.RightDelim;
            }

            return Error("unclosed left paren");
        }

        var r = Next();
        switch (r)
        {
            case Eof:
                return Error("unclosed action");
            case ' ' or '\t' or '\r' or '\n':
                Backup();
                return LexSpace();
            case '=':
                Emit(ItemType.Assign);
                return State.InsideAction;
            case ':':
                if (Next() != '=')
                {
                    return Error("expected :=");
                }

                Emit(ItemType.Declare);
                return State.InsideAction;
            case '|':
                Emit(ItemType.Pipe);
                return State.InsideAction;
            case '"':
                return LexQuote();
            case '`':
                return LexRawQuote();
            case '$':
                return LexFieldOrVariable(ItemType.Variable);
            case '\'':
                return LexChar();
            case '.':
                if (_pos < _input.Length && char.IsAsciiDigit(_input[_pos]))
                {
                    Backup();
                    return LexNumber();
                }

                return LexFieldOrVariable(ItemType.Field);
            case '+' or '-' or (>= '0' and <= '9'):
                Backup();
                return LexNumber();
            case '(':
                Emit(ItemType.LeftParen);
                _parenDepth++;
                return State.InsideAction;
            case ')':
                // Go emits the parenthesis before reporting, so the parser names it ("unexpected ")" in command").
                Emit(ItemType.RightParen);
                _parenDepth--;
                if (_parenDepth < 0)
                {
                    return Error("unexpected right paren " + GoQuote.RuneU(r));
                }

                return State.InsideAction;
        }

        if (IsAlphaNumeric(r))
        {
            Backup();
            return LexIdentifier();
        }

        if (r <= 0x7F && !char.IsControl(r))
        {
            Emit(ItemType.Char);
            return State.InsideAction;
        }

        return Error("unrecognized character in action: " + GoQuote.RuneU(RuneAt(_pos - 1)));
    }

    private int RuneAt(int i) => char.IsHighSurrogate(_input[i]) && i + 1 < _input.Length ? char.ConvertToUtf32(_input[i], _input[i + 1]) : _input[i];

    private State LexSpace()
    {
        var numSpaces = 0;
        while (IsSpace(Peek()))
        {
            Next();
            numSpaces++;
        }

        // " -}}" belongs to the delimiter: leave its space for LexRightDelim.
        if (HasRightTrimMarker(_pos - 1) && string.CompareOrdinal(_input, _pos + 1, RightDelim, 0, 2) == 0)
        {
            Backup();
            if (numSpaces == 1)
            {
                return State.RightDelim;
            }
        }

        Emit(ItemType.Space);
        return State.InsideAction;
    }

    private State LexIdentifier()
    {
        while (true)
        {
            var r = Next();
            if (IsAlphaNumeric(r))
            {
                continue;
            }

            Backup();
            var word = _input[_start.._pos];
            if (!AtTerminator())
            {
                return Error("bad character " + GoQuote.RuneU(r));
            }

            if (Keywords.TryGetValue(word, out var kw) && kw > ItemType.Keyword)
            {
                Emit(kw);
            }
            else if (word[0] == '.')
            {
                Emit(ItemType.Field);
            }
            else if (word is "true" or "false")
            {
                Emit(ItemType.Bool);
            }
            else
            {
                Emit(ItemType.Identifier);
            }

            return State.InsideAction;
        }
    }

    private State LexFieldOrVariable(ItemType type)
    {
        if (AtTerminator())
        {
            Emit(type == ItemType.Variable ? ItemType.Variable : ItemType.Dot);
            return State.InsideAction;
        }

        char r;
        while (true)
        {
            r = Next();
            if (!IsAlphaNumeric(r))
            {
                Backup();
                break;
            }
        }

        if (!AtTerminator())
        {
            return Error("bad character " + GoQuote.RuneU(r));
        }

        Emit(type);
        return State.InsideAction;
    }

    private bool AtTerminator()
    {
        var r = Peek();
        if (IsSpace(r))
        {
            return true;
        }

        return r switch
        {
            Eof or '.' or ',' or '|' or ':' or ')' or '(' or '}' => true,
            _ => false,
        };
    }

    private State LexChar() => LexEscaped('\'', "unterminated character constant", ItemType.CharConstant);

    private State LexQuote() => LexEscaped('"', "unterminated quoted string", ItemType.String);

    /// <summary>A character constant or an interpreted string: up to <paramref name="close"/>, with backslash escapes,
    /// on one line.</summary>
    private State LexEscaped(char close, string unterminated, ItemType type)
    {
        while (true)
        {
            var r = Next();
            if (r == '\\')
            {
                r = Next();
                if (r is not Eof and not '\n')
                {
                    continue;
                }
            }

            if (r is Eof or '\n')
            {
                return Error(unterminated);
            }

            if (r == close)
            {
                break;
            }
        }

        Emit(type);
        return State.InsideAction;
    }

    private State LexNumber()
    {
        if (!ScanNumber())
        {
            return Error("bad number syntax: " + GoQuote.Quote(_input[_start..Math.Min(_pos, _input.Length)]));
        }

        var sign = Peek();
        if (sign is '+' or '-')
        {
            // Complex: 1+2i. If it's not, the scan reports the error.
            if (!ScanNumber() || _input[_pos - 1] != 'i')
            {
                return Error("bad number syntax: " + GoQuote.Quote(_input[_start..Math.Min(_pos, _input.Length)]));
            }

            Emit(ItemType.Complex);
        }
        else
        {
            Emit(ItemType.Number);
        }

        return State.InsideAction;
    }

    private bool ScanNumber()
    {
        Accept("+-");
        var digits = "0123456789_";
        if (Accept("0"))
        {
            if (Accept("xX"))
            {
                digits = "0123456789abcdefABCDEF_";
            }
            else if (Accept("oO"))
            {
                digits = "01234567_";
            }
            else if (Accept("bB"))
            {
                digits = "01_";
            }
        }

        AcceptRun(digits);
        if (Accept("."))
        {
            AcceptRun(digits);
        }

        if (digits.Length == 11 && Accept("eE"))
        {
            Accept("+-");
            AcceptRun("0123456789_");
        }

        if (digits.Length == 23 && Accept("pP"))
        {
            Accept("+-");
            AcceptRun("0123456789_");
        }

        Accept("i");
        if (IsAlphaNumeric(Peek()))
        {
            Next();
            return false;
        }

        return true;
    }

    private State LexRawQuote()
    {
        var startLine = _line;
        while (true)
        {
            var r = Next();
            if (r == Eof)
            {
                _startLine = startLine;
                return Error("unterminated raw quoted string");
            }

            if (r == '`')
            {
                break;
            }
        }

        Emit(ItemType.RawString);
        return State.InsideAction;
    }

    internal static bool IsSpace(char r) => r is ' ' or '\t' or '\r' or '\n';

    internal static bool IsAlphaNumeric(char r) => r == '_' || char.IsLetterOrDigit(r);
}

/// <summary>Go's strconv.Quote / %q and %#U renderings, for messages that must read as Go's do.</summary>
internal static class GoQuote
{
    public static string Quote(string s, int maxRunes = int.MaxValue)
    {
        var b = new System.Text.StringBuilder(s.Length + 2);
        b.Append('"');
        var runes = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (runes++ >= maxRunes)
            {
                break;
            }

            AppendEscaped(b, rune, '"');
        }

        b.Append('"');
        return b.ToString();
    }

    public static void AppendEscaped(System.Text.StringBuilder b, System.Text.Rune r, char quote)
    {
        var v = r.Value;
        if (v == quote || v == '\\')
        {
            b.Append('\\').Append((char)v);
            return;
        }

        if (v == 0xFFFD)
        {
            b.Append("\\ufffd");
            return;
        }

        if (IsPrint(r))
        {
            b.Append(r.ToString());
            return;
        }

        switch (v)
        {
            case '\a': b.Append("\\a"); return;
            case '\b': b.Append("\\b"); return;
            case '\f': b.Append("\\f"); return;
            case '\n': b.Append("\\n"); return;
            case '\r': b.Append("\\r"); return;
            case '\t': b.Append("\\t"); return;
            case '\v': b.Append("\\v"); return;
        }

        if (v < ' ' || v == 0x7F)
        {
            b.Append("\\x").Append(v.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (v < 0x10000)
        {
            b.Append("\\u").Append(v.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            b.Append("\\U").Append(v.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Roughly Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.</summary>
    public static bool IsPrint(System.Text.Rune r)
    {
        if (r.Value == ' ')
        {
            return true;
        }

        var cat = System.Text.Rune.GetUnicodeCategory(r);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary>Go's %#U: U+0023 '#'.</summary>
    public static string RuneU(int r) => r == '\uFFFF'
        ? "U+FFFFFFFF"
        : $"U+{r:X4}" + (IsPrint(new System.Text.Rune(r)) ? " '" + char.ConvertFromUtf32(r) + "'" : "");

    public static string RuneU(char r) => r == '\uFFFF' ? "U+FFFFFFFF" : RuneU((int)r);
}
