using System.Globalization;
using System.Text;

namespace RedisBackup.PowerShell.Tests.Infrastructure;

/// <summary>
/// Parses the data language a module manifest uses: hashtables @{ k = v }, arrays @( … ) and comma lists,
/// single- and double-quoted strings, here-strings, numbers, $true/$false/$null, and # / &lt;# #&gt; comments.
/// Hashtables become Dictionary&lt;string, object?&gt; (case-insensitive keys), arrays List&lt;object?&gt;.
/// Anything else (expressions, variables, commands) is rejected, as Import-PowerShellDataFile would.
/// </summary>
public sealed class Psd1Parser
{
    private readonly string _text;
    private int _pos;

    private Psd1Parser(string text) => _text = text;

    public static Dictionary<string, object?> ParseFile(string path)
    {
        var parser = new Psd1Parser(File.ReadAllText(path));
        var value = parser.ParseValue();
        parser.SkipTrivia(newlines: true);
        if (parser._pos != parser._text.Length) throw parser.Error("text after the manifest hashtable");
        return value as Dictionary<string, object?> ?? throw parser.Error("the manifest is not a hashtable");
    }

    public static object? ParseText(string text)
    {
        var parser = new Psd1Parser(text);
        var value = parser.ParseValue();
        parser.SkipTrivia(newlines: true);
        return parser._pos == text.Length ? value : throw parser.Error("unexpected text");
    }

    private object? ParseValue()
    {
        var first = ParseSingle();
        SkipTrivia(newlines: false);
        if (Peek() != ',') return first;
        var list = new List<object?> { first };
        while (Peek() == ',')
        {
            _pos++;
            SkipTrivia(newlines: true);
            list.Add(ParseSingle());
            SkipTrivia(newlines: false);
        }
        return list;
    }

    private object? ParseSingle()
    {
        SkipTrivia(newlines: true);
        if (Starts("@{")) return ParseHashtable();
        if (Starts("@(")) return ParseArray();
        if (Starts("@'") || Starts("@\"")) return ParseHereString();
        var c = Peek();
        if (c == '\'') return ParseSingleQuoted();
        if (c == '"') return ParseDoubleQuoted();
        if (c == '$') return ParseConstant();
        if (c == '-' || char.IsAsciiDigit(c)) return ParseNumber();
        throw Error($"unexpected '{c}'");
    }

    private Dictionary<string, object?> ParseHashtable()
    {
        _pos += 2;
        var table = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipTrivia(newlines: true);
            if (Peek() == ';') { _pos++; continue; }
            if (Peek() == '}') { _pos++; return table; }
            var key = Peek() is '\'' ? ParseSingleQuoted() : Peek() is '"' ? ParseDoubleQuoted() : ParseBareKey();
            SkipTrivia(newlines: false);
            Expect('=');
            var value = ParseValue();
            if (!table.TryAdd(key, value)) throw Error($"duplicate key '{key}'");
        }
    }

    private List<object?> ParseArray()
    {
        _pos += 2;
        var list = new List<object?>();
        while (true)
        {
            SkipTrivia(newlines: true);
            if (Peek() == ')') { _pos++; return list; }
            if (Peek() is ';' or ',') { _pos++; continue; }
            list.Add(ParseSingle());
        }
    }

    private string ParseBareKey()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '-')) _pos++;
        return _pos > start ? _text[start.._pos] : throw Error("expected a key");
    }

    private string ParseSingleQuoted()
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            var c = _text[_pos++];
            if (c == '\'')
            {
                if (Peek() == '\'') { sb.Append('\''); _pos++; continue; }
                return sb.ToString();
            }
            sb.Append(c);
        }
    }

    private string ParseDoubleQuoted()
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            var c = _text[_pos++];
            if (c == '"') return sb.ToString();
            if (c == '$') throw Error("variables in double-quoted strings are not data");
            if (c == '`' && _pos < _text.Length) c = _text[_pos++] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var x => x };
            sb.Append(c);
        }
    }

    private string ParseHereString()
    {
        var quote = _text[_pos + 1];
        var open = _text.IndexOf('\n', _pos);
        var close = _text.IndexOf("\n" + quote + "@", open, StringComparison.Ordinal);
        if (open < 0 || close < 0) throw Error("unterminated here-string");
        var body = _text[(open + 1)..close].TrimEnd('\r');
        _pos = close + 3;
        return body;
    }

    private object? ParseConstant()
    {
        foreach (var (word, value) in new (string, object?)[] { ("$true", true), ("$false", false), ("$null", null) })
            if (Starts(word)) { _pos += word.Length; return value; }
        throw Error("only $true, $false and $null are allowed");
    }

    private long ParseNumber()
    {
        var start = _pos;
        if (Peek() == '-') _pos++;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        return long.Parse(_text.AsSpan(start, _pos - start), CultureInfo.InvariantCulture);
    }

    private void SkipTrivia(bool newlines)
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c is ' ' or '\t' or '\r' || (newlines && c == '\n')) _pos++;
            else if (Starts("<#")) { var end = _text.IndexOf("#>", _pos, StringComparison.Ordinal); _pos = end < 0 ? throw Error("unterminated comment") : end + 2; }
            else if (c == '#') { while (_pos < _text.Length && _text[_pos] != '\n') _pos++; }
            else break;
        }
    }

    private void Expect(char c)
    {
        if (Peek() != c) throw Error($"expected '{c}'");
        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private bool Starts(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private FormatException Error(string what)
    {
        var line = _text.AsSpan(0, Math.Min(_pos, _text.Length)).Count('\n') + 1;
        return new FormatException($"psd1 line {line}: {what}.");
    }
}
