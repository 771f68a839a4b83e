using System.Text.Json;
using Distill.Contracts.Models;
using Distill.Training.Evaluation;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

namespace Distill.Cli.Tests;

[Collection(TeacherGroup.Name)]
public sealed class EvalCommandTests(TrainedTeacherFixture teacher) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-cli-eval-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Cache => Path.Combine(_root, "cache");

    private string[] EvalArgs(params string[] more) =>
        ["eval", "--model", teacher.Folder, "--data", teacher.Corpus, "--cache", Cache, "--max-new-tokens", "4", .. more];

    [Fact]
    public async Task Eval_ModelAsItsOwnTeacher_JsonHasSanePerplexityAndFullAgreement()
    {
        var run = await CommandRun.RunAsync(EvalArgs("--teacher", teacher.Folder, "--samples", "1", "--json"));

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var report = EvaluationReport.FromJson(run.Output);
        Assert.Equal("validation", report.Split);
        Assert.Equal(16, report.BlockSize);
        Assert.True(report.TokensEvaluated > 0);
        Assert.Equal(1.0, report.TopOneAgreement);
        Assert.InRange(report.ForwardKl!.Value, -1e-6, 1e-6);
        Assert.Equal(report.Student.Perplexity, report.Teacher!.Perplexity, 1e-9);
        // Trained for 20 steps on repetitive text: well below a uniform guess over the vocabulary, and above 1.
        Assert.InRange(report.Student.Perplexity, 1.0, 150.0);
        Assert.Equal(Math.Exp(report.Student.MeanLoss), report.Student.Perplexity, 1e-9);
        Assert.Equal(teacher.Folder, report.Student.Name);
        Assert.Equal(2, report.Samples.Count);
        Assert.Equal(["greedy", "top-k 40, T 0.8, seed 1"], report.Samples[0].Samples.Select(s => s.Strategy));
        using var json = JsonDocument.Parse(run.Output);
        Assert.True(json.RootElement.GetProperty("student").TryGetProperty("perplexity", out _));
        Assert.True(json.RootElement.TryGetProperty("topOneAgreement", out _));
    }

    [Fact]
    public async Task Eval_TinyData_ExplainsThatTheValidationSplitIsSmall()
    {
        var data = TinyCorpus.Write(Path.Combine(_root, "few.jsonl"), documents: 12);

        var run = await CommandRun.RunAsync(["eval", "--model", teacher.Folder, "--data", data, "--cache", Cache, "--samples", "0", "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Contains("distill eval: note: the validation split holds only", run.Error, StringComparison.Ordinal);
        Assert.Contains("held out", run.Error, StringComparison.Ordinal);
        Assert.Empty(EvaluationReport.FromJson(run.Output).Samples);
    }

    [Fact]
    public async Task Eval_Table_ShowsTheMetricsAndTheSamplesOfEachPrompt()
    {
        var run = await CommandRun.RunAsync(EvalArgs("--prompt", "the teacher", "--prompt", "a small model"));

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        foreach (var text in new[] { "perplexity", "top-1 agreement", "tokens/s", "parameters", teacher.Folder, "greedy", "top-k 40", "the teacher", "a small model" })
        {
            Assert.Contains(text, run.Output, StringComparison.Ordinal);
        }
        var json = await CommandRun.RunAsync(EvalArgs("--samples", "0", "--json"));
        var perplexity = EvaluationReport.FromJson(json.Output).Student.Perplexity.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(perplexity, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_SecondRun_ReusesTheTokenizedDataset()
    {
        await CommandRun.RunAsync(EvalArgs("--samples", "0", "--json"));
        var folders = Directory.GetDirectories(Cache);
        var index = Path.Combine(Assert.Single(folders), "index.json");
        var written = File.GetLastWriteTimeUtc(index);

        var again = await CommandRun.RunAsync(EvalArgs("--samples", "0"));

        Assert.Equal(DistillCommandLine.Ok, again.ExitCode);
        Assert.Contains("reused", again.Output, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(index));
    }

    [Fact]
    public async Task Eval_TeacherWithAnotherVocabulary_FailsSayingTheyDoNotShareATokenizer()
    {
        var other = Path.Combine(_root, "other");
        var tokenizerFolder = Path.Combine(_root, "other-tokenizer");
        var trainer = new ByteLevelBpeTrainer(vocabSize: 280);
        for (var i = 0; i < 20; i++)
        {
            trainer.AddText("completely different words: zebra quartz fjord glyph ");
        }
        trainer.Train().Save(tokenizerFolder);
        var vocab = BpeTokenizer.Load(tokenizerFolder).VocabSize;
        using (var model = CausalLanguageModel.CreateInitialized(TinyConfig(vocab), seed: 3))
        {
            ModelCheckpoint.Save(model, other, tokenizerFolder);
        }

        var run = await CommandRun.RunAsync(EvalArgs("--teacher", other));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains("the model and the teacher do not share a tokenizer", run.Error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(other, "tokenizer.json"), run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Eval_MissingModelFolder_FailsNamingIt()
    {
        var missing = Path.Combine(_root, "absent");

        var run = await CommandRun.RunAsync(["eval", "--model", missing, "--data", teacher.Corpus, "--cache", Cache]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains(missing, run.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_BlockLongerThanTheContext_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(EvalArgs("--block-size", "64"));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("--block-size 64 is longer than the context of the model (16 positions)", run.Error, StringComparison.Ordinal);
    }

    private static ModelConfig TinyConfig(int vocabSize) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocabSize,
        HiddenSize = 16,
        NumLayers = 1,
        NumHeads = 2,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        IntermediateSize = 64,
        MaxPositions = 16,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
    };
}
