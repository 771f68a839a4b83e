using System.Text.Json;
using Distill.Training.Tokenizers;

namespace Distill.Cli.Tests;

public sealed class TokenizeCommandTests : IDisposable
{
    private const string Text = "the model learns from the teacher";

    private readonly string _folder = Directory.CreateTempSubdirectory("distill-cli-").FullName;
    private readonly string _tokenizerFolder;
    private readonly BpeTokenizer _tokenizer;

    public TokenizeCommandTests()
    {
        var trainer = new ByteLevelBpeTrainer(vocabSize: 300);
        for (var i = 0; i < 20; i++)
        {
            trainer.AddText("the model learns from the teacher and the student distills the model. ");
        }
        _tokenizerFolder = Path.Combine(_folder, "tokenizer");
        trainer.Train().Save(_tokenizerFolder);
        _tokenizer = BpeTokenizer.Load(_tokenizerFolder);
    }

    private string TokenizerFile => Path.Combine(_tokenizerFolder, "tokenizer.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Ids(IEnumerable<int> ids) => string.Join(' ', ids);

    [Fact]
    public async Task Tokenize_Text_PrintsTheIdsOnOneLine()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, Text]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        var expected = _tokenizer.Encode(Text);
        Assert.True(expected.Count < Text.Length, "the trained merges should make fewer tokens than bytes");
        Assert.Equal(Ids(expected) + Environment.NewLine, run.Output);
        Assert.Equal(Text, _tokenizer.Decode(run.Output.Split(' ').Select(int.Parse)));
    }

    [Fact]
    public async Task Tokenize_FolderPath_ReadsTheTokenizerJsonInside()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", _tokenizerFolder, Text]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Ids(_tokenizer.Encode(Text)), run.Output.TrimEnd());
    }

    [Fact]
    public async Task Tokenize_SeveralArguments_JoinsThemWithSingleSpaces()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "the", "model", "learns"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Ids(_tokenizer.Encode("the model learns")), run.Output.TrimEnd());
    }

    [Fact]
    public async Task Tokenize_Dash_ReadsStandardInputAsIs()
    {
        const string Piped = "the teacher\nand the student\n";

        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "-"], Piped);

        Assert.Equal(0, run.ExitCode);
        var expected = _tokenizer.Encode(Piped);
        Assert.Equal(Ids(expected), run.Output.TrimEnd());
        Assert.Equal(Piped, _tokenizer.Decode(expected));
    }

    [Fact]
    public async Task Tokenize_Json_PrintsTokenizerCountAndIds()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "--json", Text]);

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        var expected = _tokenizer.Encode(Text);
        Assert.Equal(["tokenizer", "count", "ids"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(TokenizerFile, root.GetProperty("tokenizer").GetString());
        Assert.Equal(expected.Count, root.GetProperty("count").GetInt32());
        Assert.Equal(expected, root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Tokenize_JsonWithTokens_AddsTheTokenStrings()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "--json", "--tokens", Text]);

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var tokens = json.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(_tokenizer.Encode(Text).Select(_tokenizer.IdToToken), tokens);
        Assert.Contains("Ġmodel", tokens);
        Assert.Contains("Ġmodel", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_Tokens_PrintsOneIdAndQuotedTokenPerLine()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "--tokens", "the model"]);

        Assert.Equal(0, run.ExitCode);
        var expected = _tokenizer.Encode("the model").Select(id => $"{id}\t\"{_tokenizer.IdToToken(id)}\"");
        Assert.Equal(expected, run.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Tokenize_Special_ReadsSpecialTokensInTheText()
    {
        var eos = _tokenizer.EosTokenId;
        Assert.NotNull(eos);
        const string WithEos = "the model<|endoftext|>";

        var plain = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, WithEos]);
        var special = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "--special", WithEos]);

        Assert.Equal(0, special.ExitCode);
        Assert.DoesNotContain(eos.Value.ToString(), plain.Output.TrimEnd().Split(' '));
        Assert.Equal(Ids(_tokenizer.Encode("the model").Append(eos.Value)), special.Output.TrimEnd());
    }

    [Fact]
    public async Task Tokenize_MalformedTokenizer_FailsNamingTheFileAndJsonPath()
    {
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, """{"model": {"type": "WordPiece", "vocab": {}}}""");

        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", path, Text]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.StartsWith("distill tokenize: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
        Assert.Contains("model.type", run.Error, StringComparison.Ordinal);
        Assert.Contains("WordPiece", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_MissingTokenizerFile_FailsNamingTheFile()
    {
        var path = Path.Combine(_folder, "absent", "tokenizer.json");

        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", path, Text]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_NoTokenizerOption_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["tokenize", Text]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("--tokenizer", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Tokenize_NoText_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("Required argument missing", run.Error, StringComparison.Ordinal);
        Assert.Contains("tokenize", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_DashBesideOtherText_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["tokenize", "--tokenizer", TokenizerFile, "the", "-"], "ignored");

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("'-'", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Run_UnknownVerb_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["tokenise", "--tokenizer", TokenizerFile, Text]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("tokenise", run.Error, StringComparison.Ordinal);
    }
}
