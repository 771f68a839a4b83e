using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Training.Comparison;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Models;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill compare --teacher DIR --data PATH... [--methods ce,kd,...] [--seeds N] [--steps N] [--out DIR] [--json]`:
/// distils the teacher into students of one shape with each method and seed under the same training
/// (<see cref="MethodComparison"/>), and writes <c>comparison.md</c>, <c>comparison.json</c> and <c>comparison.png</c>.
/// </summary>
internal static class CompareCommand
{
    private const string Name = "distill compare";

    public const int DefaultSteps = 300;
    public const int DefaultBatchSize = 8;
    public const double DefaultLearningRate = 2e-3;
    public const int DefaultSeeds = 3;
    public const string MarkdownFileName = "comparison.md";
    public const string JsonFileName = "comparison.json";
    public const string ChartFileName = "comparison.png";

    // The option names of the shape's fields, for StudentShapeException problems.
    private static readonly Dictionary<string, string> s_shapeOptions = new(StringComparer.Ordinal)
    {
        ["layers"] = "--student-layers",
        ["hidden_size"] = "--student-hidden",
        ["heads"] = "--student-heads",
        ["kv_heads"] = "--student-heads",
        ["intermediate_size"] = "--student-hidden",
    };

    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "The teacher folder (config.json, model.safetensors, tokenizer.json), e.g. from train-teacher.", Required = true };
        var data = new Option<string[]>("--data")
        {
            Description = "Training text: JSONL files, text files or folders. Students train on the training split and are measured on the held-out split.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var methods = new Option<string[]>("--methods")
        {
            Description = $"Methods to compare, comma-separated (default: all: {string.Join(",", MethodNames.All)}).",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        }.Validate(values => MethodProblem(values));
        var methodFile = new Option<string?>("--method-file")
        {
            Description = "A JSON array of method sections (as in a manifest) that replace the comparison's settings for their methods.",
        };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per method (1, 2, … N): each initialises the student and orders the data.", DefaultValueFactory = _ => DefaultSeeds }.AtLeast(1);
        var steps = new Option<long>("--steps") { Description = "Distillation steps of every run.", DefaultValueFactory = _ => DefaultSteps }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => DefaultBatchSize }.AtLeast(1);
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate (cosine decay to a tenth of it).", DefaultValueFactory = _ => DefaultLearningRate }.Positive();
        var warmup = new Option<long?>("--warmup") { Description = "Warmup steps (default: a twentieth of the steps)." }.AtLeast(0);
        var blockSize = new Option<int?>("--block-size") { Description = $"Tokens per block (default: the teacher's context, at most {ComparisonOptions.DefaultMaxBlockSize})." }.AtLeast(2);
        var studentLayers = new Option<int?>("--student-layers") { Description = "Student layers (default: half the teacher's)." }.AtLeast(1);
        var studentHidden = new Option<int?>("--student-hidden") { Description = "Student width (default: half the teacher's)." }.AtLeast(1);
        var studentHeads = new Option<int?>("--student-heads") { Description = "Student attention heads (default: the teacher's when they divide the width)." }.AtLeast(1);
        var evalBlocks = new Option<long?>("--eval-blocks") { Description = "Evaluate on the held-out split's first N blocks (default: all)." }.AtLeast(1);
        var output = new Option<string>("--out") { Description = $"Where {MarkdownFileName}, {JsonFileName} and {ChartFileName} are written.", DefaultValueFactory = _ => "comparison" };
        var textField = new Option<string>("--text-field") { Description = "The JSONL field holding each document's text.", DefaultValueFactory = _ => "text" }
            .Validate(v => string.IsNullOrWhiteSpace(v) ? "--text-field must not be empty" : null);
        var separator = CommandOptions.DocumentSeparator();
        var wholeFiles = CommandOptions.WholeFiles();
        var cache = new Option<string?>("--cache") { Description = $"Where tokenized datasets are kept (default: ${TokenDatasetCache.EnvironmentVariable}/datasets, else ~/.cache/distill/datasets)." };
        var device = CommandOptions.DeviceOption();
        var json = CommandOptions.Json();

        var command = new Command("compare", "Distil a teacher with several methods and seeds under the same training; write a table, JSON and a chart.")
        {
            teacher, data, methods, methodFile, seeds, steps, batchSize, learningRate, warmup, blockSize, studentLayers, studentHidden, studentHeads,
            evalBlocks, output, textField, separator, wholeFiles, cache, device, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (CommandOptions.ResolveDevice(parse.GetRequiredValue(device), Name, writers.Error) is not { } resolved)
            {
                return DistillCommandLine.Failure;
            }
            var names = SplitMethods(parse.GetValue(methods));
            IReadOnlyList<MethodOptions> sections;
            try
            {
                sections = MethodSections(names, parse.GetValue(methodFile));
            }
            catch (Exception e) when (e is MethodOptionsException or IOException or UnauthorizedAccessException)
            {
                await writers.Error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
                return DistillCommandLine.BadUsage;
            }
            var stepCount = parse.GetValue(steps);
            var shape = parse.GetValue(studentLayers) is null && parse.GetValue(studentHidden) is null && parse.GetValue(studentHeads) is null
                ? null
                : new StudentShape { Layers = parse.GetValue(studentLayers), HiddenSize = parse.GetValue(studentHidden), Heads = parse.GetValue(studentHeads) };
            var options = new ComparisonOptions
            {
                TeacherFolder = parse.GetRequiredValue(teacher),
                Inputs = parse.GetRequiredValue(data),
                Data = new DataOptions
                {
                    TextField = parse.GetRequiredValue(textField),
                    TextDocuments = parse.GetValue(wholeFiles) ? TextDocuments.File : TextDocuments.Paragraphs,
                    DocumentSeparator = parse.GetValue(separator),
                },
                BlockSize = parse.GetValue(blockSize),
                Student = shape,
                Methods = sections,
                Seeds = [.. Enumerable.Range(1, parse.GetValue(seeds)).Select(s => (ulong)s)],
                Trainer = new TrainerOptions
                {
                    Steps = stepCount,
                    BatchSize = parse.GetValue(batchSize),
                    LearningRate = parse.GetValue(learningRate),
                    WarmupSteps = parse.GetValue(warmup) ?? stepCount / 20,
                    CheckpointEvery = 0,
                    EvaluationBatches = 0,
                    KeepCheckpoints = 1,
                    Device = resolved,
                },
                Evaluation = new EvaluationOptions { MaxBlocks = parse.GetValue(evalBlocks) },
                CacheRoot = parse.GetValue(cache) ?? TokenDatasetCache.DefaultRoot,
            };
            var commandLine = CommandLine(parse.Tokens.Select(t => t.Value).ToList(), data.Name);
            return await RunAsync(options, commandLine, parse.GetRequiredValue(output), parse.GetValue(json), writers.Output, writers.Error, cancellationToken)
                .ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ComparisonOptions options, string commandLine, string outputFolder, bool json, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        MethodComparison comparison;
        try
        {
            comparison = new MethodComparison(options);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.BadUsage;
        }

        ComparisonReport report;
        try
        {
            if (json)
            {
                report = await comparison.RunAsync(null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var console = CliConsole.Create(output);
                report = await CliConsole.Progress(console)
                    .StartAsync(context => comparison.RunAsync(new ComparisonProgressView(context), cancellationToken))
                    .ConfigureAwait(false);
            }
        }
        catch (StudentShapeException e)
        {
            foreach (var problem in e.Problems)
            {
                await error.WriteLineAsync($"{Name}: {s_shapeOptions.GetValueOrDefault(problem.Field, problem.Field)}: {problem.Message}").ConfigureAwait(false);
            }
            return DistillCommandLine.BadUsage;
        }
        catch (MethodOptionsException e)
        {
            await error.WriteLineAsync($"{Name}: a method does not fit the teacher and student: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.BadUsage;
        }
        catch (DataFormatException e)
        {
            await TrainTeacherCommand.WriteDataProblemsAsync(error, Name, e).ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }
        catch (Exception e) when (e is ModelCheckpointException or ModelConfigException or TokenizerFormatException or SafeTensorsFormatException
            or CheckpointException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }

        report = report with { Command = commandLine };
        try
        {
            Directory.CreateDirectory(outputFolder);
            await File.WriteAllTextAsync(Path.Combine(outputFolder, JsonFileName), report.ToJson() + "\n", cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(outputFolder, MarkdownFileName), report.ToMarkdown(), cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(outputFolder, ChartFileName), ComparisonChart.RenderPng(report), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: cannot write the results to {outputFolder}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }

        if (json)
        {
            await output.WriteLineAsync(report.ToJson()).ConfigureAwait(false);
        }
        else
        {
            Render(CliConsole.Create(output), report, outputFolder);
        }
        return DistillCommandLine.Ok;
    }

    private static void Render(IAnsiConsole console, ComparisonReport report, string outputFolder)
    {
        var c = CultureInfo.InvariantCulture;
        console.WriteLine(string.Create(c,
            $"teacher: {report.Teacher.Parameters:N0} parameters, perplexity {report.Teacher.Perplexity:F2}; student: {report.Student.Layers} layers × {report.Student.HiddenSize}, {report.Student.Parameters:N0} parameters ({report.Student.ParameterRatio:F2} × the teacher's)"));
        var table = new Table { Title = new TableTitle(Markup.Escape(string.Create(c, $"{report.Training.Steps:N0} steps per run, mean ± std over {report.Seeds.Count} seed(s)"))) };
        table.AddColumns("method", "perplexity", "top-1 agreement", "KL to teacher", "wall-clock s", "CPU s");
        foreach (var s in report.Summaries)
        {
            table.AddRow(Markup.Escape(s.Method), Format(s.Perplexity, "F2"), Format(new MeanAndDeviation(100 * s.TopOneAgreement.Mean, 100 * s.TopOneAgreement.StandardDeviation), "F1") + " %",
                Format(s.ForwardKl, "F3"), Format(s.Seconds, "F1"), Format(s.CpuSeconds, "F1"));
        }
        console.Write(table);
        console.WriteLine($"written: {Path.Combine(outputFolder, MarkdownFileName)}, {JsonFileName}, {ChartFileName}");
    }

    private static string Format(MeanAndDeviation value, string format) =>
        value.Mean.ToString(format, CultureInfo.InvariantCulture) + (value.StandardDeviation is { } d ? " ± " + d.ToString(format, CultureInfo.InvariantCulture) : "");

    /// <summary>The method names of the option's values (each may hold several, comma-separated); all of them when none was given.</summary>
    private static string[] SplitMethods(string[]? values)
    {
        var names = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        return names.Length == 0 ? [.. MethodNames.All] : names;
    }

    private static string? MethodProblem(string[]? values)
    {
        var names = SplitMethods(values);
        var unknown = names.Where(n => !MethodNames.All.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            return $"--methods: unknown method{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(n => $"'{n}'"))} (known: {string.Join(", ", MethodNames.All)})";
        }
        var twice = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return twice.Count > 0 ? $"--methods: {string.Join(", ", twice)} is named more than once" : null;
    }

    /// <summary>The comparison's settings for each name, replaced by the method file's section for the names it has.</summary>
    private static List<MethodOptions> MethodSections(string[] names, string? methodFile)
    {
        var overrides = new Dictionary<string, MethodOptions>(StringComparer.Ordinal);
        if (methodFile is not null)
        {
            JsonElement[] elements;
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(methodFile));
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw new MethodOptionsException($"{methodFile}: must hold a JSON array of method sections");
                }
                elements = [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
            }
            catch (JsonException e)
            {
                throw new MethodOptionsException($"{methodFile}: not valid JSON: {e.Message}", e);
            }
            foreach (var element in elements)
            {
                MethodOptions section;
                try
                {
                    section = MethodOptions.FromJson(element.GetRawText());
                }
                catch (MethodOptionsException e)
                {
                    throw new MethodOptionsException($"{methodFile}: {e.Message}", e);
                }
                var problems = section.Validate();
                if (problems.Count > 0)
                {
                    throw new MethodOptionsException($"{methodFile}: {string.Join("; ", problems)}");
                }
                overrides[section.Name!] = section;
            }
        }
        return [.. names.Select(n => overrides.GetValueOrDefault(n) ?? ComparisonDefaults.Method(n))];
    }

    /// <summary>The command as typed, for the report; a long list of data paths is shortened to its first path and a count.</summary>
    private static string CommandLine(List<string> tokens, string dataOption)
    {
        var shown = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            shown.Add(Quote(tokens[i]));
            if (tokens[i] != dataOption)
            {
                continue;
            }
            var paths = tokens.Skip(i + 1).TakeWhile(t => !t.StartsWith("--", StringComparison.Ordinal)).ToList();
            if (paths.Count > 3)
            {
                shown.Add(Quote(paths[0]));
                shown.Add(string.Create(CultureInfo.InvariantCulture, $"… ({paths.Count} paths)"));
                i += paths.Count;
            }
        }
        return "distill " + string.Join(' ', shown);
    }

    private static string Quote(string token) => token.Length > 0 && token.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./,=:%+".Contains(ch)) ? token : $"'{token.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
