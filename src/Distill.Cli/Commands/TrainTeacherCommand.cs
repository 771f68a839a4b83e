using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Models;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Pretraining;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill train-teacher --data PATH... --out DIR [shape and training options] [--json]`: trains a small model from
/// scratch on a corpus (<see cref="PretrainingJob"/>) and leaves a model folder the rest of Distill uses as a teacher.
/// Running it again resumes an interrupted training, or extends a finished one to more steps.
/// </summary>
internal static class TrainTeacherCommand
{
    private const string Name = "distill train-teacher";

    // The option names of the shape's fields, for StudentShapeException problems.
    private static readonly Dictionary<string, string> s_shapeOptions = new(StringComparer.Ordinal)
    {
        ["layers"] = "--layers",
        ["hidden_size"] = "--hidden",
        ["heads"] = "--heads",
        ["kv_heads"] = "--kv-heads",
        ["intermediate_size"] = "--intermediate",
    };

    public static Command Create()
    {
        var defaults = new PretrainingOptions { Inputs = [], OutputFolder = "" };
        var data = new Option<string[]>("--data")
        {
            Description = "Training text: JSONL files (one document per line), text files (one document each), or folders of them.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "The model folder to write (new or empty, or an earlier train-teacher run to resume).", Required = true };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A tokenizer.json (or a folder holding one) to use instead of training a byte-level BPE tokenizer on the data." };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Tokens of the trained tokenizer (256 bytes, merges and <|endoftext|>).", DefaultValueFactory = _ => defaults.VocabSize }.AtLeast(257);
        var family = new Option<string>("--family") { Description = "The model family.", DefaultValueFactory = _ => "gpt2" };
        family.AcceptOnlyFromAmong("gpt2", "llama");
        var layers = new Option<int>("--layers") { Description = "Transformer layers.", DefaultValueFactory = _ => defaults.Layers }.AtLeast(1);
        var hidden = new Option<int>("--hidden") { Description = "Hidden size (model width).", DefaultValueFactory = _ => defaults.HiddenSize }.AtLeast(1);
        var heads = new Option<int>("--heads") { Description = "Attention heads; they must divide the hidden size.", DefaultValueFactory = _ => defaults.Heads }.AtLeast(1);
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads (llama's grouped-query attention; default: the heads)." }.AtLeast(1);
        var intermediate = new Option<int?>("--intermediate") { Description = "MLP width (default: 4 × hidden for gpt2, 2.75 × hidden for llama)." }.AtLeast(1);
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per training block: the model's context length.", DefaultValueFactory = _ => defaults.BlockSize }.AtLeast(2);
        var batchSize = new Option<int>("--batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => defaults.BatchSize }.AtLeast(1);
        var steps = new Option<long>("--steps") { Description = "Training steps in total (run again with more to extend a finished training).", DefaultValueFactory = _ => defaults.Steps }.AtLeast(1);
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate (cosine decay to a tenth of it).", DefaultValueFactory = _ => defaults.LearningRate }.Positive();
        var warmup = new Option<long>("--warmup") { Description = "Warmup steps.", DefaultValueFactory = _ => defaults.WarmupSteps }.AtLeast(0);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial weights and the data order.", DefaultValueFactory = _ => defaults.Seed };
        var checkpointEvery = new Option<long>("--checkpoint-every") { Description = "A checkpoint every N steps (besides the end and Ctrl+C).", DefaultValueFactory = _ => defaults.CheckpointEvery }.AtLeast(1);
        var device = CommandOptions.DeviceOption();
        var textField = new Option<string>("--text-field") { Description = "The JSONL field holding each document's text.", DefaultValueFactory = _ => defaults.TextField }
            .Validate(v => string.IsNullOrWhiteSpace(v) ? "--text-field must not be empty" : null);
        var invalidRecords = new Option<string>("--invalid-records") { Description = "Invalid JSON lines and empty files: fail (list them and stop) or skip them.", DefaultValueFactory = _ => "fail" };
        invalidRecords.AcceptOnlyFromAmong("fail", "skip");
        var separator = CommandOptions.DocumentSeparator();
        var wholeFiles = CommandOptions.WholeFiles();
        var json = CommandOptions.Json();

        var command = new Command("train-teacher", "Train a small model from scratch on a corpus, to serve as a teacher.")
        {
            data, output, tokenizer, vocabSize, family, layers, hidden, heads, kvHeads, intermediate, blockSize, batchSize, steps,
            learningRate, warmup, seed, checkpointEvery, device, textField, invalidRecords, separator, wholeFiles, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (parse.GetValue(tokenizer) is not null && parse.WasGiven(vocabSize))
            {
                await writers.Error.WriteLineAsync($"{Name}: --vocab-size sets the size of a tokenizer trained on the data; it cannot be used with --tokenizer").ConfigureAwait(false);
                return DistillCommandLine.BadUsage;
            }
            if (CommandOptions.ResolveDevice(parse.GetRequiredValue(device), Name, writers.Error) is not { } resolved)
            {
                return DistillCommandLine.Failure;
            }
            var options = new PretrainingOptions
            {
                Inputs = parse.GetRequiredValue(data),
                OutputFolder = parse.GetRequiredValue(output),
                Tokenizer = parse.GetValue(tokenizer),
                VocabSize = parse.GetValue(vocabSize),
                Family = parse.GetValue(family) == "llama" ? ModelFamily.Llama : ModelFamily.Gpt2,
                Layers = parse.GetValue(layers),
                HiddenSize = parse.GetValue(hidden),
                Heads = parse.GetValue(heads),
                KeyValueHeads = parse.GetValue(kvHeads),
                IntermediateSize = parse.GetValue(intermediate),
                BlockSize = parse.GetValue(blockSize),
                BatchSize = parse.GetValue(batchSize),
                Steps = parse.GetValue(steps),
                LearningRate = parse.GetValue(learningRate),
                WarmupSteps = parse.GetValue(warmup),
                Seed = parse.GetValue(seed),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                Device = resolved,
                TextField = parse.GetRequiredValue(textField),
                InvalidRecords = parse.GetValue(invalidRecords) == "skip" ? InvalidRecordPolicy.Skip : InvalidRecordPolicy.Fail,
                TextDocuments = parse.GetValue(wholeFiles) ? TextDocuments.File : TextDocuments.Paragraphs,
                DocumentSeparator = parse.GetValue(separator),
            };
            return await RunAsync(options, parse.GetValue(json), writers.Output, writers.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(PretrainingOptions options, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        PretrainingJob job;
        try
        {
            job = new PretrainingJob(options);
        }
        catch (StudentShapeException e)
        {
            foreach (var problem in e.Problems)
            {
                await error.WriteLineAsync($"{Name}: {s_shapeOptions.GetValueOrDefault(problem.Field, problem.Field)}: {problem.Message}").ConfigureAwait(false);
            }
            return DistillCommandLine.BadUsage;
        }
        catch (Exception e) when (e is TrainerOptionsException or ModelConfigException or ArgumentException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.BadUsage;
        }

        PretrainingReport report;
        try
        {
            if (json)
            {
                report = await job.RunAsync(null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var console = CliConsole.Create(output);
                report = await CliConsole.Progress(console)
                    .StartAsync(context => job.RunAsync(new PretrainingProgressView(context), cancellationToken))
                    .ConfigureAwait(false);
                Render(console, report);
            }
        }
        catch (DataFormatException e)
        {
            await WriteDataProblemsAsync(error, Name, e).ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }
        catch (Exception e) when (e is PretrainingFolderException or TokenizerFormatException or CheckpointException or CheckpointMismatchException
            or ModelCheckpointException or SafeTensorsFormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(report, PretrainingJsonContext.Default.PretrainingReport)).ConfigureAwait(false);
        }
        if (!report.Completed)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: stopped at step {report.Step} of {report.TotalSteps}; the checkpoint is saved in {job.CheckpointFolder}. Run the same command again to resume.")).ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }
        return DistillCommandLine.Ok;
    }

    /// <summary>Writes a data error: every problem on its own line (file:line: what), or the message.</summary>
    internal static async Task WriteDataProblemsAsync(TextWriter error, string verb, DataFormatException exception)
    {
        if (exception.Problems.Count == 0)
        {
            await error.WriteLineAsync($"{verb}: the data cannot be used: {exception.Message}").ConfigureAwait(false);
            return;
        }
        await error.WriteLineAsync($"{verb}: the data cannot be used ({exception.Problems.Count} problem(s)):").ConfigureAwait(false);
        foreach (var problem in exception.Problems.Take(20))
        {
            await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
        }
        if (exception.Problems.Count > 20)
        {
            await error.WriteLineAsync($"  and {exception.Problems.Count - 20} more").ConfigureAwait(false);
        }
    }

    private static void Render(IAnsiConsole console, PretrainingReport report)
    {
        var culture = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("", "value");
        var setup = report.Setup;
        table.AddRow("model", Markup.Escape(string.Create(culture,
            $"{setup.ModelType}, {report.Parameters:N0} parameters: {setup.Layers} layers, hidden {setup.HiddenSize}, {setup.Heads} heads, context {setup.BlockSize}")));
        table.AddRow("tokenizer", Markup.Escape(string.Create(culture,
            $"{report.VocabSize:N0} tokens, {(setup.Tokenizer == PretrainingSetup.TrainedTokenizer ? report.TokenizerReused ? "trained by an earlier session" : "trained on the data" : "given")}")));
        table.AddRow("data", Markup.Escape(string.Create(culture,
            $"{report.Documents:N0} documents: {report.TrainTokens:N0} training and {report.ValidationTokens:N0} validation tokens{(report.DatasetReused ? " (tokenized by an earlier session)" : "")}{(report.SkippedRecords > 0 ? $", {report.SkippedRecords} invalid record(s) skipped" : "")}")));
        table.AddRow("steps", Markup.Escape(string.Create(culture,
            $"{report.Step:N0} of {report.TotalSteps:N0}{(report.ResumedFromStep is { } from ? $", resumed from the checkpoint of step {from:N0}" : "")}")));
        if (report.FirstLoss is { } first && report.FinalLoss is { } final)
        {
            table.AddRow("training loss", string.Create(culture, $"{first:F3} → {final:F3}"));
        }
        if (report.ValidationLoss is { } validation)
        {
            table.AddRow("validation loss", string.Create(culture, $"{validation:F3} (perplexity {Math.Exp(validation):F1})"));
        }
        table.AddRow("speed", string.Create(culture, $"{report.TokensPerSecond:N0} tokens/s over {CliConsole.Duration(TimeSpan.FromSeconds(report.TrainingSeconds))} of training"));
        table.AddRow("folder", Markup.Escape(report.Folder));
        console.Write(table);
        if (report.Completed)
        {
            console.MarkupLine(Markup.Escape($"Use it: distill generate --model {report.Folder} --prompt \"...\"   or   distill eval --model {report.Folder} --data ..."));
        }
    }
}
