using System.CommandLine;
using System.Globalization;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Models;
using Distill.Training.Tokenizers;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill eval --model DIR --data PATH... [--teacher DIR] [--json]`: tokenizes the data with the model's tokenizer
/// (a cached dataset), evaluates the model (and the teacher) on the validation split with <see cref="ModelEvaluator"/>,
/// and prints the metrics and sample continuations.
/// </summary>
internal static class EvalCommand
{
    private const string Name = "distill eval";
    private const int DefaultMaxBlockSize = 256;
    private const long FewTokens = 2048;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var data = new Option<string[]>("--data")
        {
            Description = "Evaluation text: JSONL files, text files or folders; the validation split (documents chosen by a hash of their text) is evaluated.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var teacher = new Option<string?>("--teacher") { Description = "A teacher folder to compare with (same tokenizer): its perplexity, top-1 agreement and KL." };
        var maxBlocks = new Option<long?>("--max-blocks") { Description = "Evaluate only the split's first N blocks (default: all)." }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Blocks per forward pass.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var blockSize = new Option<int?>("--block-size") { Description = $"Tokens per block (default: the model's context, at most {DefaultMaxBlockSize})." }.AtLeast(2);
        var samples = new Option<int>("--samples") { Description = "Prompts taken from the data for sample continuations when no --prompt is given (0: none).", DefaultValueFactory = _ => 3 }.AtLeast(0);
        var prompts = new Option<string[]>("--prompt") { Description = "A prompt to continue (repeat for several); each gets a greedy and a top-k continuation.", Arity = ArgumentArity.ZeroOrMore };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens per sample continuation.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the top-k samples.", DefaultValueFactory = _ => 1 };
        var textField = new Option<string>("--text-field") { Description = "The JSONL field holding each document's text.", DefaultValueFactory = _ => "text" }
            .Validate(v => string.IsNullOrWhiteSpace(v) ? "--text-field must not be empty" : null);
        var invalidRecords = new Option<string>("--invalid-records") { Description = "Invalid JSON lines and empty files: fail or skip.", DefaultValueFactory = _ => "fail" };
        invalidRecords.AcceptOnlyFromAmong("fail", "skip");
        var separator = CommandOptions.DocumentSeparator();
        var wholeFiles = CommandOptions.WholeFiles();
        var cache = new Option<string?>("--cache") { Description = $"Where tokenized datasets are kept (default: ${TokenDatasetCache.EnvironmentVariable}/datasets, else ~/.cache/distill/datasets)." };
        var device = CommandOptions.DeviceOption();
        var json = CommandOptions.Json();

        var command = new Command("eval", "Evaluate a model (and a teacher) on data: perplexity, agreement, KL, speed and samples.")
        {
            model, data, teacher, maxBlocks, batchSize, blockSize, samples, prompts, maxNewTokens, seed, textField, invalidRecords, separator, wholeFiles, cache, device, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (CommandOptions.ResolveDevice(parse.GetRequiredValue(device), Name, writers.Error) is not { } resolved)
            {
                return Task.FromResult(DistillCommandLine.Failure);
            }
            var request = new Request(
                parse.GetRequiredValue(model), parse.GetRequiredValue(data), parse.GetValue(teacher), parse.GetValue(maxBlocks),
                parse.GetValue(batchSize), parse.GetValue(blockSize), parse.GetValue(samples), parse.GetValue(prompts) ?? [],
                parse.GetValue(maxNewTokens), parse.GetValue(seed), parse.GetRequiredValue(textField),
                parse.GetValue(invalidRecords) == "skip" ? InvalidRecordPolicy.Skip : InvalidRecordPolicy.Fail,
                parse.GetValue(wholeFiles) ? TextDocuments.File : TextDocuments.Paragraphs, parse.GetValue(separator),
                parse.GetValue(cache) ?? TokenDatasetCache.DefaultRoot, resolved, parse.GetValue(json));
            return Task.FromResult(Run(request, writers.Output, writers.Error, cancellationToken));
        });
        return command;
    }

    private static int Run(Request request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        PretrainedModel? student = null;
        PretrainedModel? teacher = null;
        try
        {
            student = PretrainedModel.Load(request.Model, request.Device);
            teacher = request.Teacher is null ? null : PretrainedModel.Load(request.Teacher, request.Device);
            if (teacher is not null && VocabularyComparison.Describe(student.Tokenizer, teacher.Tokenizer) is { } difference)
            {
                error.WriteLine($"{Name}: the model and the teacher do not share a tokenizer ({difference}); " +
                    "agreement and KL compare next-token distributions id by id, so both must use the same tokenizer");
                return DistillCommandLine.Failure;
            }
            var positions = Math.Min(student.Model.Config.MaxPositions, teacher?.Model.Config.MaxPositions ?? int.MaxValue);
            if (request.BlockSize > positions)
            {
                error.WriteLine($"{Name}: --block-size {request.BlockSize} is longer than the context of the model{(teacher is null ? "" : "s")} ({positions} positions)");
                return DistillCommandLine.BadUsage;
            }
            var dataOptions = new DataOptions
            {
                TextField = request.TextField,
                InvalidRecords = request.InvalidRecords,
                TextDocuments = request.TextDocuments,
                DocumentSeparator = request.DocumentSeparator,
                BlockSize = request.BlockSize ?? Math.Min(positions, DefaultMaxBlockSize),
            };
            return Evaluate(request, student, teacher, dataOptions, output, error, cancellationToken);
        }
        catch (DataFormatException e)
        {
            TrainTeacherCommand.WriteDataProblemsAsync(error, Name, e).GetAwaiter().GetResult();
            return DistillCommandLine.Failure;
        }
        catch (Exception e) when (e is ModelCheckpointException or ModelConfigException or TokenizerFormatException or SafeTensorsFormatException
            or IOException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine($"{Name}: {e.Message}");
            return DistillCommandLine.Failure;
        }
        finally
        {
            teacher?.Dispose();
            student?.Dispose();
        }
    }

    private static int Evaluate(Request request, PretrainedModel student, PretrainedModel? teacher, DataOptions dataOptions, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var cache = new TokenDatasetCache(request.Cache);
        var studentModel = new NamedModel(request.Model, student.Model);
        var teacherModel = teacher is null || request.Teacher is null ? null : new NamedModel(request.Teacher, teacher.Model);
        var options = new EvaluationOptions { BatchSize = request.BatchSize, MaxBlocks = request.MaxBlocks };
        var strategies = new[]
        {
            SamplingOptions.Greedy with { MaxNewTokens = request.MaxNewTokens },
            SamplingOptions.TopKSampling(40, temperature: 0.8, seed: request.Seed, maxNewTokens: request.MaxNewTokens),
        };

        string? note = null;
        string? datasetLine = null;
        EvaluationReport Work(ProgressContext? context)
        {
            var tokenizing = context?.AddTask("tokenizing", maxValue: 1);
            var build = cache.Build(student.Tokenizer, student.TokenizerId, request.Data, dataOptions,
                tokenizing is null ? null : new CallbackProgress<TokenDatasetBuildProgress>(p =>
                {
                    tokenizing.MaxValue = Math.Max(1, p.Bytes);
                    tokenizing.Value = p.BytesRead;
                    tokenizing.Description = Markup.Escape($"tokenizing: {CliConsole.Bytes(p.BytesRead)} of {CliConsole.Bytes(p.Bytes)}");
                }),
                cancellationToken);
            if (tokenizing is not null)
            {
                tokenizing.Value = tokenizing.MaxValue;
                if (build.Reused)
                {
                    tokenizing.Description = Markup.Escape($"tokenizing: reused {build.Folder}");
                }
            }
            using var dataset = TokenDataset.Open(build.Folder);
            note = FewBlocksNote(dataset, request);
            datasetLine = string.Create(CultureInfo.InvariantCulture,
                $"data: {dataset.Index.Validation.Blocks:N0} validation blocks of {dataset.BlockSize} tokens in {build.Folder} ({(build.Reused ? "reused" : "tokenized now")})");

            var evaluating = context?.AddTask("evaluating", maxValue: 1);
            var report = ModelEvaluator.Evaluate(dataset, studentModel, teacherModel, options,
                evaluating is null ? null : new CallbackProgress<EvaluationProgress>(p =>
                {
                    evaluating.MaxValue = Math.Max(1, p.TotalBlocks);
                    evaluating.Value = p.Blocks;
                    evaluating.Description = string.Create(CultureInfo.InvariantCulture, $"evaluating: {p.Blocks:N0} of {p.TotalBlocks:N0} blocks");
                }),
                cancellationToken);

            var prompts = request.Prompts.Length > 0 ? request.Prompts : EvaluationPrompts.FromDataset(dataset, student.Tokenizer, request.Samples);
            if (prompts.Count == 0)
            {
                return report;
            }
            var sampling = context?.AddTask("samples", maxValue: teacherModel is null ? 1 : 2);
            var samples = new List<ModelSamples> { ModelEvaluator.Sample(studentModel, student.Tokenizer, prompts, strategies, cancellationToken) };
            sampling?.Increment(1);
            if (teacherModel is not null && teacher is not null)
            {
                samples.Add(ModelEvaluator.Sample(teacherModel, teacher.Tokenizer, prompts, strategies, cancellationToken));
                sampling?.Increment(1);
            }
            return report with { Samples = samples };
        }

        if (request.Json)
        {
            var report = Work(null);
            WriteNote(error, note);
            output.WriteLine(report.ToJson());
            return DistillCommandLine.Ok;
        }
        var console = CliConsole.Create(output);
        var result = CliConsole.Progress(console).Start(Work);
        WriteNote(error, note);
        if (datasetLine is not null)
        {
            console.WriteLine(datasetLine);
        }
        console.Write(CliConsole.Table(result.MetricsTable()));
        if (result.Samples.Count > 0)
        {
            console.Write(CliConsole.Table(result.SamplesTable()));
        }
        return DistillCommandLine.Ok;
    }

    /// <summary>A note when the evaluated split is small enough for the numbers to be rough, saying why it is small.</summary>
    private static string? FewBlocksNote(TokenDataset dataset, Request request)
    {
        var split = dataset.Index.Validation;
        if (split.Tokens >= FewTokens || request.MaxBlocks is not null)
        {
            return null;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"the validation split holds only {split.Tokens:N0} tokens ({split.Blocks:N0} block(s) of {dataset.BlockSize} from {split.Documents:N0} document(s)), so the metrics are rough.")
            + " Evaluation uses the documents held out by a hash of their text (about 5%, the same ones train-teacher keeps out of training); give more data or a smaller --block-size.";
    }

    private static void WriteNote(TextWriter error, string? note)
    {
        if (note is not null)
        {
            error.WriteLine($"{Name}: note: {note}");
        }
    }

    private sealed record Request(
        string Model, string[] Data, string? Teacher, long? MaxBlocks, int BatchSize, int? BlockSize, int Samples, string[] Prompts,
        int MaxNewTokens, ulong Seed, string TextField, InvalidRecordPolicy InvalidRecords, TextDocuments TextDocuments, string? DocumentSeparator,
        string Cache, Device Device, bool Json);
}
