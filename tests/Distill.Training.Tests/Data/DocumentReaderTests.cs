using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class DocumentReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-docs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadFile_JsonLinesWithTextField_YieldsOneDocumentPerLine()
    {
        var file = Write("a.jsonl", "{\"text\": \"first\"}\n\n{\"text\": \"second\"}\r\n");
        var reader = new DocumentReader(new DataOptions());

        var documents = reader.ReadFile(file).ToList();

        Assert.Equal(["first", "second"], documents.Select(d => d.Segments.Single().Text));
        Assert.Equal([1L, 3L], documents.Select(d => d.Line));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void ReadFile_ChatMessages_MasksPromptTurns()
    {
        var file = Write("chat.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n");
        var reader = new DocumentReader(new DataOptions());

        var segments = reader.ReadFile(file).Single().Segments;

        Assert.Equal(["User: ", "hi\n", "Assistant: ", "hello\n"], segments.Select(s => s.Text));
        Assert.Equal([false, false, false, true], segments.Select(s => s.Trainable));
    }

    [Fact]
    public void ReadFile_InvalidJsonLine_IsReportedWithFileAndLine()
    {
        var file = Write("bad.jsonl", "{\"text\": \"ok\"}\n{not json\n{\"body\": \"no text field\"}\n");
        var reader = new DocumentReader(new DataOptions());

        var documents = reader.ReadFile(file).ToList();

        Assert.Single(documents);
        Assert.Equal([2L, 3L], reader.Problems.Select(p => p.Line));
        Assert.All(reader.Problems, p => Assert.Equal(file, p.File));
        Assert.Contains("invalid JSON", reader.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("neither 'text' nor 'messages'", reader.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_NonUtf8Bytes_AreReportedOnTheirLine()
    {
        var path = Path.Combine(_folder, "latin1.txt");
        File.WriteAllBytes(path, [(byte)'o', (byte)'k', (byte)'\n', (byte)'c', 0xE9, (byte)'\n']);
        var reader = new DocumentReader(new DataOptions());

        Assert.Empty(reader.ReadFile(path));
        var problem = Assert.Single(reader.Problems);
        Assert.Equal(2, problem.Line);
        Assert.Contains("UTF-8", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_EmptyFile_IsReported()
    {
        var file = Write("empty.txt", "");
        var reader = new DocumentReader(new DataOptions());

        Assert.Empty(reader.ReadFile(file));
        Assert.Equal($"{file}: the file is empty", Assert.Single(reader.Problems).ToString());
    }

    [Fact]
    public void ListFiles_Folder_ListsDataFilesInOrdinalOrder()
    {
        Write("b.txt", "b");
        Write("a.jsonl", "{}");
        Write("notes.csv", "x");
        Write(".hidden.txt", "x");

        var files = DocumentReader.ListFiles(_folder);

        Assert.Equal(["a.jsonl", "b.txt"], files.Select(Path.GetFileName));
    }

    [Fact]
    public void ReadFile_TextWithParagraphs_GivesOneDocumentPerParagraphWithItsFirstLine()
    {
        var file = Write("book.txt", "First paragraph,\nstill first.\n\n\nSecond one.\r\n  \nThird.");
        var reader = new DocumentReader(new DataOptions());

        var documents = reader.ReadFile(file).ToList();

        Assert.Equal(["First paragraph,\nstill first.\n", "Second one.\r\n", "Third."], documents.Select(d => d.Segments.Single().Text));
        Assert.Equal([1L, 5L, 7L], documents.Select(d => d.Line));
    }

    [Fact]
    public void ReadFile_TextWithSeparatorLines_SplitsThereAndKeepsBlankLinesInside()
    {
        var file = Write("fortunes", "A fortune\n\nwith a blank line.\n%\nAnother.\n %\n%\n");
        File.Move(file, file + ".txt");
        var reader = new DocumentReader(new DataOptions { DocumentSeparator = "%" });

        var documents = reader.ReadFile(file + ".txt").ToList();

        Assert.Equal(["A fortune\n\nwith a blank line.\n", "Another.\n"], documents.Select(d => d.Segments.Single().Text));
        Assert.Equal([1L, 5L], documents.Select(d => d.Line));
    }

    [Fact]
    public void ReadFile_TextAsOneDocument_KeepsTheWholeFile()
    {
        var file = Write("whole.txt", "a\n\nb\n");
        var reader = new DocumentReader(new DataOptions { TextDocuments = TextDocuments.File });

        Assert.Equal("a\n\nb\n", reader.ReadFile(file).Single().Segments.Single().Text);
    }
}
