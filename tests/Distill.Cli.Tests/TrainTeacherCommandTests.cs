using System.Text.Json;
using Distill.Training.Models;
using Distill.Training.Pretraining;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;

namespace Distill.Cli.Tests;

[Collection(TeacherGroup.Name)]
public sealed class TrainTeacherCommandTests(TrainedTeacherFixture teacher) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-cli-train-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Corpus => TinyCorpus.Write(Path.Combine(_root, "corpus.jsonl"));

    /// <summary>train-teacher of the tiny shape; <paramref name="options"/> (name, value pairs) replace or add options.</summary>
    private static string[] TrainArgs(string corpus, string folder, int steps, params string[] options) =>
        ["train-teacher", "--data", corpus, "--out", folder, .. TrainedTeacherFixture.TinyShape(["--steps", steps.ToString(), .. options])];

    [Fact]
    public void TrainTeacher_TinyCorpus_WritesAModelFolderThatLoadsWithItsTokenizer()
    {
        Assert.Equal(DistillCommandLine.Ok, teacher.Run.ExitCode);
        Assert.Equal("", teacher.Run.Error);

        using var model = ModelCheckpoint.Load(teacher.Folder);
        var tokenizer = BpeTokenizer.Load(teacher.Folder);
        Assert.Equal(tokenizer.VocabSize, model.Config.VocabSize);
        Assert.InRange(tokenizer.VocabSize, 258, 300);
        Assert.Equal("gpt2", model.Config.ModelType);
        Assert.Equal((32, 2, 4, 16), (model.Config.HiddenSize, model.Config.NumLayers, model.Config.NumHeads, model.Config.MaxPositions));
        Assert.Equal([tokenizer.EosTokenId!.Value], model.Config.EosTokenIds);
        Assert.Equal(model.ParameterCount(), teacher.Result().GetProperty("parameters").GetInt64());
        var ids = tokenizer.Encode("the teacher learns from the data.");
        Assert.True(ids.Count < "the teacher learns from the data.".Length, "the trained merges should make fewer tokens than bytes");
    }

    [Fact]
    public void TrainTeacher_TinyCorpus_TrainingJsonHasAFallingLossAndTheSettings()
    {
        var report = PretrainingJob.ReadReport(teacher.Folder);

        Assert.True(report.Completed);
        Assert.Equal(TrainedTeacherFixture.Steps, report.Step);
        Assert.Null(report.ResumedFromStep);
        Assert.Equal(Enumerable.Range(1, TrainedTeacherFixture.Steps).Select(s => (long)s), report.Losses.Select(p => p.Step));
        var early = report.Losses.Take(5).Average(p => p.Loss);
        var late = report.Losses.TakeLast(5).Average(p => p.Loss);
        Assert.True(late < early - 0.3, $"the loss should fall: first five steps {early:F3}, last five {late:F3}");
        Assert.NotNull(report.ValidationLoss);
        Assert.True(report.TokensPerSecond > 0);
        Assert.Equal(TrainedTeacherFixture.Steps * 8L * 16, report.Tokens);
        Assert.Equal((32, 16, 300, "trained"), (report.Setup.HiddenSize, report.Setup.BlockSize, report.Setup.VocabSize, report.Setup.Tokenizer));
        Assert.Equal(File.ReadAllText(Path.Combine(teacher.Folder, PretrainingJob.ReportFileName)).TrimEnd(), teacher.Run.Output.TrimEnd());
    }

    [Fact]
    public async Task TrainTeacher_RunAgainWithMoreSteps_ResumesFromTheCheckpointAndSaysSo()
    {
        var corpus = Corpus;
        var folder = Path.Combine(_root, "model");
        var first = await CommandRun.RunAsync([.. TrainArgs(corpus, folder, 6), "--json"]);
        Assert.Equal(DistillCommandLine.Ok, first.ExitCode);
        var firstReport = PretrainingJob.ReadReport(folder);

        var second = await CommandRun.RunAsync(TrainArgs(corpus, folder, 10));

        Assert.Equal(DistillCommandLine.Ok, second.ExitCode);
        Assert.Contains("resumed from the checkpoint of step 6", second.Output, StringComparison.Ordinal);
        Assert.Contains("trained by an earlier session", second.Output, StringComparison.Ordinal);
        Assert.Contains("tokenized by an earlier session", second.Output, StringComparison.Ordinal);
        var report = PretrainingJob.ReadReport(folder);
        Assert.Equal((10L, 6L), (report.Step, report.ResumedFromStep));
        Assert.True(report.TokenizerReused);
        Assert.True(report.DatasetReused);
        Assert.Equal(firstReport.Losses, report.Losses.Take(6));
        Assert.Equal(10, report.Losses.Count);
        Assert.Equal(10 * 8L * 16, report.Tokens);
    }

    [Fact]
    public async Task TrainTeacher_Cancelled_LeavesACheckpointAndFailsSayingHowToResume()
    {
        var corpus = Corpus;
        var folder = Path.Combine(_root, "model");
        var pointer = Path.Combine(folder, PretrainingJob.WorkFolderName, "checkpoints", LocalCheckpointStore.PointerFileName);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = CommandRun.RunAsync(TrainArgs(corpus, folder, 2000, "--checkpoint-every", "3"), cancellation.Token);
        while (!File.Exists(pointer) && !run.IsCompleted)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        await cancellation.CancelAsync();

        var stopped = await run;

        Assert.Equal(DistillCommandLine.Failure, stopped.ExitCode);
        var store = new LocalCheckpointStore(Path.GetDirectoryName(pointer)!);
        var step = store.ReadPointer()?.Step;
        Assert.NotNull(step);
        Assert.InRange(step.Value, 3, 1999);
        Assert.Contains($"stopped at step {step} of 2000", stopped.Error, StringComparison.Ordinal);
        Assert.Contains("Run the same command again to resume", stopped.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, PretrainingJob.ReportFileName)), "an unfinished training writes no model");
        Assert.False(File.Exists(Path.Combine(folder, ModelCheckpoint.ConfigFileName)));
    }

    [Fact]
    public async Task TrainTeacher_CancelledBeforeTraining_FailsSayingSo()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var run = await CommandRun.RunAsync(TrainArgs(Corpus, Path.Combine(_root, "model"), 5), cancellation.Token);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Equal("distill: cancelled" + Environment.NewLine, run.Error);
    }

    [Theory]
    [InlineData("--hidden", "30", "--heads", "do not divide hidden_size 30")]
    [InlineData("--kv-heads", "2", "--kv-heads", "GPT-2 has no grouped-query attention")]
    [InlineData("--family", "llama", "--heads", "odd")]
    public async Task TrainTeacher_ShapeThatCannotBeBuilt_IsBadUsageNamingTheOption(string option, string value, string named, string message)
    {
        var folder = Path.Combine(_root, "model");
        string[] extra = option == "--family" ? ["--family", "llama", "--hidden", "36", "--heads", "4"] : [option, value];

        var run = await CommandRun.RunAsync(TrainArgs(Corpus, folder, 5, extra));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains($"distill train-teacher: {named}: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Theory]
    [InlineData("--steps", "0", "--steps must be at least 1")]
    [InlineData("--family", "bert", "bert")]
    [InlineData("--vocab-size", "100", "--vocab-size must be at least 257")]
    [InlineData("--lr", "-1", "--lr must be a positive number")]
    [InlineData("--device", "tpu", "--device 'tpu'")]
    public async Task TrainTeacher_ValueOutOfRange_IsBadUsage(string option, string value, string message)
    {
        var run = await CommandRun.RunAsync(TrainArgs(Corpus, Path.Combine(_root, "model"), 5, option, value));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task TrainTeacher_VocabSizeWithATokenizer_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["train-teacher", "--data", Corpus, "--out", Path.Combine(_root, "model"), "--tokenizer", teacher.Folder, "--vocab-size", "500"]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("--vocab-size", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainTeacher_InvalidJsonLines_FailsNamingEachFileAndLine()
    {
        var corpus = Path.Combine(_root, "broken.jsonl");
        File.WriteAllLines(corpus, [.. Enumerable.Range(0, 10).Select(i => JsonSerializer.Serialize(new { text = TinyCorpus.Document(i) })), "{\"text\": \"unfinished", "{\"body\": \"no text field\"}"]);

        var run = await CommandRun.RunAsync(TrainArgs(corpus, Path.Combine(_root, "model"), 5));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains("the data cannot be used (2 problem(s))", run.Error, StringComparison.Ordinal);
        Assert.Contains($"{corpus}:11: invalid JSON", run.Error, StringComparison.Ordinal);
        Assert.Contains($"{corpus}:12: the record has neither 'text' nor 'messages'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainTeacher_InvalidRecordsSkipped_TrainsOnTheRest()
    {
        var corpus = Path.Combine(_root, "broken.jsonl");
        File.WriteAllLines(corpus, [.. Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new { text = TinyCorpus.Document(i) })), "not json"]);

        var run = await CommandRun.RunAsync([.. TrainArgs(corpus, Path.Combine(_root, "model"), 2, "--invalid-records", "skip"), "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(1, json.RootElement.GetProperty("skippedRecords").GetInt32());
        Assert.Equal(40, json.RootElement.GetProperty("documents").GetInt64());
    }

    [Fact]
    public async Task TrainTeacher_OneTextFileWithoutParagraphs_FailsExplainingThatItIsOneDocument()
    {
        var text = Path.Combine(_root, "book.txt");
        File.WriteAllLines(text, Enumerable.Range(0, 40).Select(TinyCorpus.Document));

        var run = await CommandRun.RunAsync(TrainArgs(text, Path.Combine(_root, "model"), 5));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains("hold one document, but documents are held out whole", run.Error, StringComparison.Ordinal);
        Assert.Contains("split the text into paragraphs (blank lines), give a separator line", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainTeacher_MissingData_FailsNamingThePath()
    {
        var missing = Path.Combine(_root, "absent.jsonl");

        var run = await CommandRun.RunAsync(TrainArgs(missing, Path.Combine(_root, "model"), 5));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains($"{missing}: no such file or folder", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainTeacher_MalformedTokenizer_FailsNamingTheFile()
    {
        var tokenizer = Path.Combine(_root, "tokenizer.json");
        File.WriteAllText(tokenizer, """{"model": {"type": "Unigram"}}""");

        var run = await CommandRun.RunAsync(["train-teacher", "--data", Corpus, "--out", Path.Combine(_root, "model"), "--tokenizer", tokenizer, "--steps", "2"]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains(tokenizer, run.Error, StringComparison.Ordinal);
        Assert.Contains("Unigram", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainTeacher_GivenTokenizer_IsSavedWithTheModel()
    {
        var folder = Path.Combine(_root, "model");

        var run = await CommandRun.RunAsync(["train-teacher", "--data", Corpus, "--out", folder, "--tokenizer", Path.Combine(teacher.Folder, "tokenizer.json"),
            "--layers", "1", "--hidden", "16", "--heads", "2", "--block-size", "16", "--batch-size", "4", "--steps", "2", "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(teacher.Folder, "tokenizer.json")), File.ReadAllBytes(Path.Combine(folder, "tokenizer.json")));
        Assert.Equal(TokenizerFiles.Identity(teacher.Folder), PretrainingJob.ReadReport(folder).Setup.Tokenizer);
    }

    [Fact]
    public async Task TrainTeacher_FolderHoldingSomethingElse_FailsAndLeavesItAlone()
    {
        var folder = Path.Combine(_root, "model");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");

        var run = await CommandRun.RunAsync(TrainArgs(Corpus, folder, 5));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains("is not empty (notes.txt)", run.Error, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task TrainTeacher_EarlierTrainingWithOtherSettings_FailsNamingEachDifference()
    {
        var before = File.ReadAllBytes(Path.Combine(teacher.Folder, "model.safetensors"));

        var run = await CommandRun.RunAsync(TrainArgs(teacher.Corpus, teacher.Folder, 40, "--hidden", "64", "--seed", "9"));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains("holds a training with other settings", run.Error, StringComparison.Ordinal);
        Assert.Contains("hidden size: 64 (the earlier training: 32)", run.Error, StringComparison.Ordinal);
        Assert.Contains("seed: 9 (the earlier training: 1)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("steps", run.Error.Replace("warmup steps", "", StringComparison.Ordinal).Replace("only the steps", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(teacher.Folder, "model.safetensors")));
    }
}
