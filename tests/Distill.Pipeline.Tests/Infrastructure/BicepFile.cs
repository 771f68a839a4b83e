using System.Globalization;
using System.Text;

namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>
/// Reads the declarations of a Bicep file well enough to check what infra/ declares: resources, modules, variables and
/// outputs, with their object literals as trees. Values are <see cref="BicepObject"/>, <see cref="BicepArray"/>,
/// <see cref="BicepLoop"/>, <see cref="BicepString"/> (a literal; <c>${…}</c> kept as written) or
/// <see cref="BicepExpression"/> (anything else, as written). Not a Bicep compiler: it knows the syntax infra/ uses.
/// </summary>
internal sealed class BicepFile
{
    private readonly string _path;
    private readonly string _text;
    private int _position;

    private BicepFile(string path, string text)
    {
        _path = path;
        _text = text;
    }

    public string Path => _path;

    public List<BicepDeclaration> Resources { get; } = [];

    public List<BicepDeclaration> Modules { get; } = [];

    public Dictionary<string, object> Variables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, object> Outputs { get; } = new(StringComparer.Ordinal);

    public static BicepFile Load(string path)
    {
        var file = new BicepFile(path, File.ReadAllText(path));
        file.ParseDeclarations();
        return file;
    }

    /// <summary>The one resource declared with this symbolic name.</summary>
    public BicepDeclaration Resource(string symbol) =>
        Resources.SingleOrDefault(r => r.Symbol == symbol) ?? throw new InvalidDataException($"{_path}: no resource '{symbol}'");

    /// <summary>The resources of one type (without the API version), existing references left out.</summary>
    public IEnumerable<BicepDeclaration> ResourcesOfType(string type) => Resources.Where(r => r.Type == type && !r.Existing);

    public BicepDeclaration Module(string symbol) =>
        Modules.SingleOrDefault(m => m.Symbol == symbol) ?? throw new InvalidDataException($"{_path}: no module '{symbol}'");

    private void ParseDeclarations()
    {
        while (true)
        {
            SkipTrivia(newLines: true);
            if (_position >= _text.Length)
            {
                return;
            }
            var line = CurrentLineNumber();
            var keyword = _text[_position] == '@' ? "@" : ReadIdentifier();
            switch (keyword)
            {
                case "resource":
                case "module":
                {
                    var symbol = ReadIdentifier();
                    SkipTrivia(newLines: false);
                    var target = ReadString();
                    SkipTrivia(newLines: false);
                    var existing = false;
                    if (PeekIdentifier() == "existing")
                    {
                        ReadIdentifier();
                        existing = true;
                    }
                    Expect('=');
                    var value = ParseValue();
                    var at = target.LastIndexOf('@');
                    var declaration = new BicepDeclaration(symbol, at < 0 ? target : target[..at], at < 0 ? "" : target[(at + 1)..], existing, value, line);
                    (keyword == "resource" ? Resources : Modules).Add(declaration);
                    break;
                }
                case "var":
                {
                    var name = ReadIdentifier();
                    Expect('=');
                    Variables[name] = ParseValue();
                    break;
                }
                case "output":
                {
                    var name = ReadIdentifier();
                    ReadIdentifier(); // the type
                    Expect('=');
                    Outputs[name] = ParseValue();
                    break;
                }
                default:
                    // targetScope, param and decorators: one line each in infra/.
                    SkipToEndOfLine();
                    break;
            }
        }
    }

    private object ParseValue()
    {
        SkipTrivia(newLines: false);
        var c = _text[_position];
        if (c == '{')
        {
            return ParseObject();
        }
        if (c == '[')
        {
            return ParseArray();
        }
        if (c == '\'')
        {
            var start = _position;
            var text = ReadString();
            SkipTrivia(newLines: false);
            // A string that starts an expression ('a' == b ? …) is an expression.
            return AtValueEnd() ? new BicepString(text) : new BicepExpression(_text[start..ReadExpressionEnd(start)].Trim());
        }
        if (PeekIdentifier() == "if")
        {
            ReadIdentifier();
            SkipTrivia(newLines: false);
            SkipBalanced('(', ')');
            return ParseValue();
        }
        var begin = _position;
        return new BicepExpression(_text[begin..ReadExpressionEnd(begin)].Trim());
    }

    private BicepObject ParseObject()
    {
        Expect('{');
        var properties = new Dictionary<string, object>(StringComparer.Ordinal);
        while (true)
        {
            SkipTrivia(newLines: true, commas: true);
            if (_text[_position] == '}')
            {
                _position++;
                return new BicepObject(properties);
            }
            var key = _text[_position] == '\'' ? ReadString() : ReadIdentifier();
            Expect(':');
            properties[key] = ParseValue();
        }
    }

    private object ParseArray()
    {
        Expect('[');
        SkipTrivia(newLines: true);
        if (PeekIdentifier() == "for")
        {
            var header = _position;
            while (_text[_position] != ':')
            {
                _position++;
            }
            var loop = new BicepLoop(_text[header.._position].Trim(), ParseValueAfterColon());
            SkipTrivia(newLines: true);
            Expect(']');
            return loop;
        }
        var items = new List<object>();
        while (true)
        {
            SkipTrivia(newLines: true, commas: true);
            if (_text[_position] == ']')
            {
                _position++;
                return new BicepArray(items);
            }
            items.Add(ParseValue());
        }
    }

    private object ParseValueAfterColon()
    {
        Expect(':');
        return ParseValue();
    }

    /// <summary>Where an expression starting at <paramref name="start"/> ends: a line end, ',' or a closing bracket at its own depth.</summary>
    private int ReadExpressionEnd(int start)
    {
        _position = start;
        var depth = 0;
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c == '\'')
            {
                ReadString();
                continue;
            }
            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                if (depth == 0)
                {
                    break;
                }
                depth--;
            }
            else if (depth == 0 && (c is ',' or '\n' || IsCommentStart()))
            {
                break;
            }
            _position++;
        }
        return _position;
    }

    private bool AtValueEnd() =>
        _position >= _text.Length || _text[_position] is '\n' or '\r' or ',' or '}' or ']' || IsCommentStart();

    private string ReadString()
    {
        if (_text[_position] != '\'')
        {
            throw Error("expected a string");
        }
        _position++;
        var text = new StringBuilder();
        while (_text[_position] != '\'')
        {
            if (_text[_position] == '\\')
            {
                _position++;
            }
            text.Append(_text[_position++]);
        }
        _position++;
        return text.ToString();
    }

    private string ReadIdentifier()
    {
        SkipTrivia(newLines: false);
        var start = _position;
        while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] == '_'))
        {
            _position++;
        }
        return start == _position ? throw Error("expected an identifier") : _text[start.._position];
    }

    private string? PeekIdentifier()
    {
        var save = _position;
        try
        {
            return ReadIdentifier();
        }
        catch (InvalidDataException)
        {
            return null;
        }
        finally
        {
            _position = save;
        }
    }

    private void Expect(char c)
    {
        SkipTrivia(newLines: false);
        if (_position >= _text.Length || _text[_position] != c)
        {
            throw Error($"expected '{c}'");
        }
        _position++;
    }

    private void SkipBalanced(char open, char close)
    {
        Expect(open);
        for (var depth = 1; depth > 0; _position++)
        {
            if (_text[_position] == '\'')
            {
                ReadString();
                _position--;
            }
            else if (_text[_position] == open)
            {
                depth++;
            }
            else if (_text[_position] == close)
            {
                depth--;
            }
        }
    }

    private void SkipTrivia(bool newLines, bool commas = false)
    {
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c is ' ' or '\t' || (newLines && c is '\n' or '\r') || (commas && c == ','))
            {
                _position++;
            }
            else if (IsCommentStart())
            {
                SkipToEndOfLine();
            }
            else
            {
                return;
            }
        }
    }

    private bool IsCommentStart() => _position + 1 < _text.Length && _text[_position] == '/' && _text[_position + 1] == '/';

    private void SkipToEndOfLine()
    {
        while (_position < _text.Length && _text[_position] != '\n')
        {
            _position++;
        }
    }

    private int CurrentLineNumber() => _text.AsSpan(0, _position).Count('\n') + 1;

    private InvalidDataException Error(string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{_path}:{CurrentLineNumber()}: {problem}"));
}
