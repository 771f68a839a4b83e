using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

/// <summary>A temporary folder for input files and built datasets, deleted when the test ends.</summary>
public abstract class DatasetTestFolder : IDisposable
{
    protected DatasetTestFolder()
    {
        Root = Directory.CreateTempSubdirectory("distill-data-").FullName;
    }

    protected string Root { get; }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A JSONL file with one {"text": ...} record per text.</summary>
    protected string WriteJsonLines(string name, IEnumerable<string> texts) =>
        Write(name, string.Concat(texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = t }) + "\n")));

    protected string Output(string name = "dataset") => Path.Combine(Root, name);

    internal static TokenDatasetBuildResult Build(IReadOnlyList<string> inputs, string folder, DataOptions options, ITextTokenizer? tokenizer = null, string tokenizerId = "bytes-v1") =>
        new TokenDatasetBuilder(tokenizer ?? new ByteTokenizer(), tokenizerId, options).Build(inputs, folder, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>A split's token stream rebuilt from its overlapping blocks (without the dropped tail).</summary>
    internal static List<int> Stream(TokenDataset dataset, DataSplit split)
    {
        var stream = new List<int>();
        for (long b = 0; b < dataset.BlockCount(split); b++)
        {
            var tokens = dataset.ReadBlock(split, b).Tokens;
            stream.AddRange(b == 0 ? tokens : tokens.Skip(1));
        }
        return stream;
    }

    /// <summary>The documents of a byte-tokenized stream: the text between end-of-text ids.</summary>
    internal static List<string> Documents(IReadOnlyList<int> stream)
    {
        var documents = new List<string>();
        var current = new List<int>();
        foreach (var id in stream.Append(ByteTokenizer.Eos))
        {
            if (id == ByteTokenizer.Eos)
            {
                if (current.Count > 0)
                {
                    documents.Add(ByteTokenizer.Show(current));
                }
                current.Clear();
            }
            else
            {
                current.Add(id);
            }
        }
        return documents;
    }
}
