using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class TokenDatasetCacheTests : DatasetTestFolder
{
    private static readonly DataOptions s_options = new() { BlockSize = 8, ValidationFraction = 0.2 };

    private string[] Inputs() =>
    [
        WriteJsonLines("a.jsonl", Enumerable.Range(0, 30).Select(i => $"document number {i} of the first file")),
        WriteJsonLines("b.jsonl", Enumerable.Range(0, 30).Select(i => $"document number {i} of the second file")),
    ];

    [Fact]
    public void FolderFor_SameInputsInAnyOrder_IsOneFolderAndOtherSettingsAnother()
    {
        var cache = new TokenDatasetCache(Output("cache"));
        var inputs = Inputs();

        var folder = cache.FolderFor("tok-1", inputs, s_options);

        Assert.Equal(folder, cache.FolderFor("tok-1", [inputs[1], inputs[0]], s_options));
        Assert.StartsWith(cache.Root + Path.DirectorySeparatorChar, folder, StringComparison.Ordinal);
        Assert.NotEqual(folder, cache.FolderFor("tok-2", inputs, s_options));
        Assert.NotEqual(folder, cache.FolderFor("tok-1", inputs, s_options with { BlockSize = 16 }));
        Assert.NotEqual(folder, cache.FolderFor("tok-1", [inputs[0]], s_options));
    }

    [Fact]
    public void Build_Twice_TokenizesOnceThenReuses()
    {
        var cache = new TokenDatasetCache(Output("cache"));
        var inputs = Inputs();
        var tokenizer = new ByteTokenizer();

        var first = cache.Build(tokenizer, "bytes-v1", inputs, s_options, cancellationToken: TestContext.Current.CancellationToken);
        var calls = tokenizer.EncodeCalls;
        var second = cache.Build(tokenizer, "bytes-v1", inputs, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(first.Folder, second.Folder);
        Assert.Equal(calls, tokenizer.EncodeCalls);
        Assert.Equal(cache.FolderFor("bytes-v1", inputs, s_options), first.Folder);
    }
}
