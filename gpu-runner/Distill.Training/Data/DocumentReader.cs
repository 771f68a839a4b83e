using System.Text;
using System.Text.Json;

namespace Distill.Training.Data;

/// <summary>
/// Reads documents from JSONL files (a text field, or chat <c>messages</c> rendered as "Role: content" turns), plain
/// text files (cut into documents at blank lines, at a separator line such as fortune files' <c>%</c>, or whole — see
/// <see cref="DataOptions.TextDocuments"/>), or folders of them (sorted by path, so the order is stable). Empty files, invalid
/// JSON lines and bytes that are not UTF-8 are recorded with file and line; <see cref="DataOptions.InvalidRecords"/>
/// decides whether they are skipped or fatal.
/// </summary>
public sealed class DocumentReader(DataOptions options)
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly string[] s_textExtensions = [".txt", ".text", ".md"];
    private readonly List<DataProblem> _problems = [];
    private long _bytesBeforeFile;
    private long _bytesRead;

    /// <summary>Every problem met so far (warnings when skipping).</summary>
    public IReadOnlyList<DataProblem> Problems => _problems;

    /// <summary>Bytes of input consumed so far over every file read (within a file, in steps of the read buffer), for progress.</summary>
    public long BytesRead => _bytesRead;

    /// <summary>The files a path stands for: itself, or the data files below a folder in ordinal path order.</summary>
    public static IReadOnlyList<string> ListFiles(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            return [Path.GetFullPath(path)];
        }
        if (!Directory.Exists(path))
        {
            throw new DataFormatException([new DataProblem(path, 0, "no such file or folder")]);
        }
        return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && IsDataFile(f))
            .Select(Path.GetFullPath)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The data files several inputs stand for (files, and the data files below folders), without repeats, in ordinal
    /// order; every missing input and empty folder is reported at once.
    /// </summary>
    public static List<string> ListFiles(IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var problems = new List<DataProblem>();
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                files.Add(Path.GetFullPath(input));
            }
            else if (Directory.Exists(input))
            {
                var listed = ListFiles(input);
                if (listed.Count == 0)
                {
                    problems.Add(new DataProblem(input, 0, "the folder holds no .jsonl, .txt, .text or .md files"));
                }
                files.UnionWith(listed);
            }
            else
            {
                problems.Add(new DataProblem(input, 0, "no such file or folder"));
            }
        }
        if (problems.Count > 0)
        {
            throw new DataFormatException(problems);
        }
        return [.. files];
    }

    private static bool IsDataFile(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension == ".jsonl" || s_textExtensions.Contains(extension);
    }

    /// <summary>The documents of one file, in order.</summary>
    public IEnumerable<Document> ReadFile(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            Report(new DataProblem(file, 0, "the file does not exist"));
            return [];
        }
        if (info.Length == 0)
        {
            Report(new DataProblem(file, 0, "the file is empty"));
            return [];
        }
        return Path.GetExtension(file).Equals(".jsonl", StringComparison.OrdinalIgnoreCase) ? ReadJsonLines(file) : ReadText(file);
    }

    private IEnumerable<Document> ReadText(string file)
    {
        var bytes = File.ReadAllBytes(file);
        _bytesBeforeFile += bytes.Length;
        _bytesRead = _bytesBeforeFile;
        string text;
        try
        {
            text = s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            Report(new DataProblem(file, FirstInvalidLine(bytes), "bytes that are not valid UTF-8"));
            yield break;
        }
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            Report(new DataProblem(file, 0, "the file holds only white space"));
            yield break;
        }
        if (options.TextDocuments == TextDocuments.File)
        {
            yield return new Document(file, 1, [new DocumentSegment(text, true)]);
            yield break;
        }
        foreach (var (line, paragraph) in SplitDocuments(text, options.DocumentSeparator?.Trim()))
        {
            yield return new Document(file, line, [new DocumentSegment(paragraph, true)]);
        }
    }

    /// <summary>
    /// The documents of a text: runs of lines ended by a blank line (or, with a separator, by a line that is the
    /// separator), each with its first line's number, its lines kept with their newlines and the separators dropped.
    /// </summary>
    internal static IEnumerable<(long Line, string Text)> SplitDocuments(string text, string? separator)
    {
        var document = new StringBuilder();
        long firstLine = 0;
        long lineNumber = 0;
        var position = 0;
        while (position < text.Length)
        {
            var end = text.IndexOf('\n', position);
            var next = end < 0 ? text.Length : end + 1;
            var line = text.AsSpan(position, (end < 0 ? text.Length : end) - position).TrimEnd('\r');
            lineNumber++;
            var ends = separator is null ? line.IsWhiteSpace() : line.Trim().SequenceEqual(separator);
            if (ends)
            {
                if (!string.IsNullOrWhiteSpace(document.ToString()))
                {
                    yield return (firstLine, document.ToString());
                }
                document.Clear();
            }
            else
            {
                if (document.Length == 0)
                {
                    firstLine = lineNumber;
                }
                document.Append(text, position, next - position);
            }
            position = next;
        }
        if (!string.IsNullOrWhiteSpace(document.ToString()))
        {
            yield return (firstLine, document.ToString());
        }
    }

    private static long FirstInvalidLine(byte[] bytes)
    {
        long line = 1;
        var start = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == (byte)'\n')
            {
                try
                {
                    s_strictUtf8.GetCharCount(bytes, start, i - start);
                }
                catch (DecoderFallbackException)
                {
                    return line;
                }
                line++;
                start = i + 1;
            }
        }
        return 0;
    }

    private IEnumerable<Document> ReadJsonLines(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long lineNumber = 0;
        var documents = 0;
        foreach (var line in LineSplitter.Lines(stream))
        {
            _bytesRead = _bytesBeforeFile + stream.Position;
            lineNumber++;
            var document = ParseJsonLine(file, lineNumber, line);
            if (document is not null)
            {
                documents++;
                yield return document;
            }
        }
        _bytesBeforeFile += stream.Length;
        _bytesRead = _bytesBeforeFile;
        if (documents == 0 && !_problems.Any(p => p.File == file))
        {
            Report(new DataProblem(file, 0, "the file holds no records"));
        }
    }

    private Document? ParseJsonLine(string file, long lineNumber, byte[] line)
    {
        string text;
        try
        {
            text = s_strictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            Report(new DataProblem(file, lineNumber, "bytes that are not valid UTF-8"));
            return null;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                Report(new DataProblem(file, lineNumber, "the line is not a JSON object"));
                return null;
            }
            var root = json.RootElement;
            if (root.TryGetProperty(options.TextField, out var field))
            {
                if (field.ValueKind != JsonValueKind.String)
                {
                    Report(new DataProblem(file, lineNumber, $"'{options.TextField}' is not a string"));
                    return null;
                }
                var value = field.GetString()!;
                if (value.Length == 0)
                {
                    Report(new DataProblem(file, lineNumber, $"'{options.TextField}' is empty"));
                    return null;
                }
                return new Document(file, lineNumber, [new DocumentSegment(value, true)]);
            }
            if (root.TryGetProperty(options.MessagesField, out var messages))
            {
                return ParseMessages(file, lineNumber, messages);
            }
            Report(new DataProblem(file, lineNumber, $"the record has neither '{options.TextField}' nor '{options.MessagesField}'"));
            return null;
        }
        catch (JsonException e)
        {
            Report(new DataProblem(file, lineNumber, $"invalid JSON ({e.Message})"));
            return null;
        }
    }

    private Document? ParseMessages(string file, long lineNumber, JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            Report(new DataProblem(file, lineNumber, $"'{options.MessagesField}' must be a non-empty array"));
            return null;
        }
        var segments = new List<DocumentSegment>();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                Report(new DataProblem(file, lineNumber, $"'{options.MessagesField}[{index}]' needs string 'role' and 'content'"));
                return null;
            }
            var roleName = role.GetString()!;
            var trainable = !options.MaskPrompts || roleName == "assistant";
            segments.Add(new DocumentSegment(RoleLabel(roleName) + ": ", false));
            segments.Add(new DocumentSegment(content.GetString()! + "\n", trainable));
            index++;
        }
        return new Document(file, lineNumber, segments);
    }

    private static string RoleLabel(string role) =>
        role.Length == 0 ? "Unknown" : char.ToUpperInvariant(role[0]) + role[1..];

    private void Report(DataProblem problem) => _problems.Add(problem);
}
