using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class TokenDatasetMalformedInputTests : DatasetTestFolder
{
    private (string Json, string Latin1, string Empty) WriteBadInputs()
    {
        var json = WriteJsonLines("a.jsonl", ["good one", "good two"]);
        File.AppendAllText(json, "{broken\n{\"text\": \"good three\"}\n");
        var latin1 = Path.Combine(Root, "b.txt");
        File.WriteAllBytes(latin1, [(byte)'o', (byte)'k', (byte)'\n', (byte)'\n', (byte)'c', 0xE9, (byte)'\n']);
        var empty = Write("c.txt", "");
        Write("d.txt", "a plain text document that is long enough");
        return (json, latin1, empty);
    }

    [Fact]
    public void Build_FailPolicy_ListsEveryProblemWithFileAndLine()
    {
        var (json, latin1, empty) = WriteBadInputs();

        var error = Assert.Throws<DataFormatException>(() => Build([Root], Output(), new DataOptions { BlockSize = 4, InvalidRecords = InvalidRecordPolicy.Fail }));

        Assert.Equal([$"{json}:3", $"{latin1}:3", empty], error.Problems.Select(p => p.Line > 0 ? $"{p.File}:{p.Line}" : p.File));
        Assert.Contains($"{json}:3: invalid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{latin1}:3: bytes that are not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{empty}: the file is empty", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Output(), "index.json")));
    }

    [Fact]
    public void Build_SkipPolicy_BuildsAndKeepsTheProblemsInTheIndex()
    {
        var (json, latin1, empty) = WriteBadInputs();

        var result = Build([Root], Output(), new DataOptions { BlockSize = 2, ValidationFraction = 0, InvalidRecords = InvalidRecordPolicy.Skip });

        Assert.Equal(3, result.Index.Skipped.Count);
        Assert.StartsWith($"{json}:3: invalid JSON", result.Index.Skipped[0], StringComparison.Ordinal);
        Assert.StartsWith($"{latin1}:3:", result.Index.Skipped[1], StringComparison.Ordinal);
        Assert.Equal($"{empty}: the file is empty", result.Index.Skipped[2]);
        Assert.Equal(4, result.Index.Train.Documents);
        Assert.Equal([3L, 0, 0, 1], result.Index.Sources.Select(s => s.Documents));
        using var dataset = TokenDataset.Open(result.Folder);
        Assert.Equal(["good one", "good two", "good three", "a plain text document that is long enough"], Documents(Stream(dataset, DataSplit.Train)));
    }

    [Fact]
    public void Build_InputThatDoesNotExist_NamesEveryMissingPath()
    {
        var present = Write("ok.txt", "some text that is here");
        var missing = Path.Combine(Root, "nope.jsonl");
        var missingFolder = Path.Combine(Root, "no-folder");

        var error = Assert.Throws<DataFormatException>(() => Build([present, missing, missingFolder], Output(), new DataOptions { BlockSize = 4 }));

        Assert.Equal([$"{missing}: no such file or folder", $"{missingFolder}: no such file or folder"], error.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Build_FolderWithoutDataFiles_SaysSo()
    {
        var folder = Path.Combine(Root, "images");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "x.png"), "not text");

        var error = Assert.Throws<DataFormatException>(() => Build([folder], Output(), new DataOptions { BlockSize = 4 }));

        Assert.Contains($"{folder}: the folder holds no .jsonl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EveryRecordSkipped_SaysThereAreNoDocuments()
    {
        var input = Write("bad.jsonl", "{oops\n");

        var error = Assert.Throws<DataFormatException>(() => Build([input], Output(), new DataOptions { BlockSize = 4, InvalidRecords = InvalidRecordPolicy.Skip }));

        Assert.Contains($"the inputs ({input}) hold no documents", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{input}:1: invalid JSON", error.Message, StringComparison.Ordinal);
    }
}
