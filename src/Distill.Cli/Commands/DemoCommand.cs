using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Events;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Contracts.Storage;
using Distill.Pipeline.Local;
using Distill.Pipeline.Uploads;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Pretraining;
using Distill.Training.Tokenizers;
using Distill.Training.Trainers;
using Microsoft.Extensions.Logging;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill demo [--method NAME] [--store PATH] [sizes] [--json]`: the whole system on this machine. It writes a corpus
/// (Debian's license texts, or <c>--corpus</c>) and trains a teacher on it into <c>{store}/demo/</c> unless an earlier demo
/// left a valid one there, writes the run's pipeline.json beside them, submits that folder as `distill submit` does,
/// runs the pipeline's handlers and one runner in this process until the run completes or fails, showing each stage's
/// progress, and ends with the teacher and the student side by side and where the student and the report are.
/// Exit 0 when the run completed, 1 when it failed (with the reasons) or the demo could not run, 2 on bad usage.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo's folder in the store: the run folder it submits (pipeline.json, teacher/, data/).</summary>
    public const string FolderName = "demo";

    private const string Name = "distill demo";

    public static Command Create()
    {
        var defaults = new DemoSettings();
        var method = new Option<string>("--method") { Description = "The distillation method.", DefaultValueFactory = _ => defaults.Method };
        method.AcceptOnlyFromAmong([.. MethodNames.All]);
        var store = CommandOptions.Store();
        var corpus = new Option<string[]>("--corpus")
        {
            Description = $"Text to train on: text files (cut at blank lines), JSONL files, or folders of them; default: {DemoCorpus.DefaultSource}.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var steps = new Option<long>("--steps") { Description = "The student's training steps.", DefaultValueFactory = _ => defaults.StudentSteps }.AtLeast(1);
        var teacherSteps = new Option<long>("--teacher-steps") { Description = "The teacher's training steps.", DefaultValueFactory = _ => defaults.TeacherSteps }.AtLeast(1);
        var teacherLayers = new Option<int>("--teacher-layers") { Description = "The teacher's layers.", DefaultValueFactory = _ => defaults.TeacherLayers }.AtLeast(1);
        var teacherHidden = new Option<int>("--teacher-hidden") { Description = "The teacher's width.", DefaultValueFactory = _ => defaults.TeacherHidden }.AtLeast(1);
        var studentLayers = new Option<int>("--student-layers") { Description = "The student's layers.", DefaultValueFactory = _ => defaults.StudentLayers }.AtLeast(1);
        var studentHidden = new Option<int>("--student-hidden") { Description = "The student's width.", DefaultValueFactory = _ => defaults.StudentHidden }.AtLeast(1);
        var heads = new Option<int>("--heads") { Description = "Attention heads of both models.", DefaultValueFactory = _ => defaults.Heads }.AtLeast(1);
        var vocabSize = new Option<int>("--vocab-size") { Description = "Tokens of the tokenizer trained on the corpus.", DefaultValueFactory = _ => defaults.VocabSize }.AtLeast(257);
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per training block (the teacher's context).", DefaultValueFactory = _ => defaults.BlockSize }.AtLeast(2);
        var batchSize = new Option<int>("--batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => defaults.BatchSize }.AtLeast(1);
        var gate = new Option<double?>("--max-perplexity-ratio") { Description = "A gate: the run fails when the student's perplexity is more than this times the teacher's." }
            .Validate(v => v is not { } ratio || (double.IsFinite(ratio) && ratio > 0) ? null : string.Create(CultureInfo.InvariantCulture, $"--max-perplexity-ratio must be a positive number (got {v})"));
        var seed = new Option<ulong>("--seed") { Description = "Seed of both trainings.", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line (the demo's steps, the run's events as CloudEvents) and a summary last." };

        var command = new Command("demo", "Train a teacher, distil it into a student through the local pipeline, and compare them.")
        {
            method, store, corpus, steps, teacherSteps, teacherLayers, teacherHidden, studentLayers, studentHidden, heads, vocabSize, blockSize, batchSize, gate, seed, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new DemoSettings
            {
                Method = parse.GetRequiredValue(method),
                StudentSteps = parse.GetValue(steps),
                TeacherSteps = parse.GetValue(teacherSteps),
                TeacherLayers = parse.GetValue(teacherLayers),
                TeacherHidden = parse.GetValue(teacherHidden),
                StudentLayers = parse.GetValue(studentLayers),
                StudentHidden = parse.GetValue(studentHidden),
                Heads = parse.GetValue(heads),
                VocabSize = parse.GetValue(vocabSize),
                BlockSize = parse.GetValue(blockSize),
                BatchSize = parse.GetValue(batchSize),
                Seed = parse.GetValue(seed),
                MaxPerplexityRatio = parse.GetValue(gate),
            };
            var sources = parse.GetValue(corpus) is { Length: > 0 } given ? given : [DemoCorpus.DefaultSource];
            var writers = parse.InvocationConfiguration;
            return RunAsync(settings, sources, LocalStore.ResolvePath(parse.GetValue(store)), parse.GetValue(json), writers.Output, writers.Error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(DemoSettings settings, string[] sources, string storePath, bool json, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        IDemoView view = json ? new DemoJsonView(output) : new DemoConsoleView(CliConsole.Create(output));
        var folder = Path.Join(storePath, FolderName);
        var teacherFolder = Path.Join(folder, "teacher");
        var student = new PretrainingOptions
        {
            Inputs = [DemoCorpus.DefaultSource],
            OutputFolder = teacherFolder,
            Layers = settings.StudentLayers,
            HiddenSize = settings.StudentHidden,
            Heads = settings.Heads,
        };
        foreach (var (model, shape) in new[] { ("teacher", settings.TeacherOptions(DemoCorpus.DefaultSource, teacherFolder)), ("student", student) })
        {
            try
            {
                shape.ValidateShape();
            }
            catch (StudentShapeException e)
            {
                await error.WriteLineAsync($"{Name}: the {model} cannot be built: {string.Join("; ", e.Problems.Select(p => $"{p.Field}: {p.Message}"))}").ConfigureAwait(false);
                return DistillCommandLine.BadUsage;
            }
        }
        string corpus;
        try
        {
            corpus = DemoCorpus.Write(sources, Path.Join(folder, "data"));
        }
        catch (Exception e) when (e is DemoException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }
        var teacherOptions = settings.TeacherOptions(Path.Join(folder, "data", corpus), teacherFolder);
        view.Header(settings, storePath, string.Join(", ", sources));

        var teacher = await TeacherAsync(teacherOptions, view, error, cancellationToken).ConfigureAwait(false);
        if (teacher is null)
        {
            return DistillCommandLine.Failure;
        }

        await File.WriteAllTextAsync(Path.Join(folder, "pipeline.json"), settings.Manifest($"data/{corpus}"), cancellationToken).ConfigureAwait(false);
        UploadPlan plan;
        try
        {
            plan = UploadClient.Check(folder);
        }
        catch (UploadFolderException e)
        {
            await error.WriteLineAsync($"{Name}: {folder} cannot be submitted:").ConfigureAwait(false);
            foreach (var problem in e.Problems)
            {
                await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
            }
            return DistillCommandLine.Failure;
        }

        await using var store = await OpenStoreAsync(storePath, cancellationToken).ConfigureAwait(false);
        // Errors only: the handlers' warnings (a run failed, with its reasons) repeat what the demo prints at the end.
        using var loggers = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Error)
            .AddProvider(new TextWriterLoggerProvider(error, json: false, store.Time, LogLevel.Error)));
        var pipeline = new DemoPipeline(store, loggers);
        var (runId, outcome) = await view.ShowProgressAsync(progress => pipeline.RunAsync(plan, progress, cancellationToken)).ConfigureAwait(false);

        var summary = Summarize(settings, store, runId, outcome, teacher, clock.Elapsed);
        view.Finished(summary);
        if (outcome is PipelineFailed failed)
        {
            await error.WriteLineAsync($"{Name}: run {runId} failed{(failed.FailedStage is { } stage ? $" at stage {stage}" : "")}:").ConfigureAwait(false);
            foreach (var reason in failed.Reasons)
            {
                await error.WriteLineAsync($"  {reason}").ConfigureAwait(false);
            }
            return DistillCommandLine.Failure;
        }
        return DistillCommandLine.Ok;
    }

    /// <summary>The store the demo runs its pipeline on (the one place it is opened).</summary>
    private static Task<LocalStore> OpenStoreAsync(string storePath, CancellationToken cancellationToken) =>
        LocalStore.OpenAsync(storePath, TimeProvider.System, cancellationToken);

    /// <summary>Where a blob folder of the store is on this machine.</summary>
    private static string LocalPath(LocalStore store, BlobLocation location) =>
        Path.Join(store.Blobs.Root, location.Container, location.Name.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The teacher's training.json: the valid one an earlier demo left, or a new training's; null after writing why there is none.</summary>
    private static async Task<PretrainingReport?> TeacherAsync(PretrainingOptions options, IDemoView view, TextWriter error, CancellationToken cancellationToken)
    {
        if (DemoTeacher.IsUsable(options, out var problem))
        {
            var cached = PretrainingJob.ReadReport(options.OutputFolder);
            view.TeacherReady(cached, trainedNow: false);
            return cached;
        }
        if (problem is not null)
        {
            view.Note($"The teacher in {options.OutputFolder} cannot be used ({problem}); training a new one.");
            DemoTeacher.Delete(options.OutputFolder);
        }
        PretrainingReport report;
        try
        {
            report = await view.ShowProgressAsync(async progress =>
            {
                try
                {
                    return await new PretrainingJob(options).RunAsync(progress.Teacher, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is PretrainingFolderException or CheckpointException or CheckpointMismatchException)
                {
                    // An interrupted training the demo cannot resume (other settings, a damaged checkpoint): start over.
                    view.Note($"The unfinished teacher training in {options.OutputFolder} cannot be resumed ({e.Message}); starting over.");
                    DemoTeacher.Delete(options.OutputFolder);
                    return await new PretrainingJob(options).RunAsync(progress.Teacher, cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        catch (DataFormatException e)
        {
            await TrainTeacherCommand.WriteDataProblemsAsync(error, Name, e).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is PretrainingFolderException or TokenizerFormatException or CheckpointException or CheckpointMismatchException
            or ModelCheckpointException or SafeTensorsFormatException or TrainerOptionsException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: the teacher cannot be trained in {options.OutputFolder}: {e.Message}").ConfigureAwait(false);
            return null;
        }
        if (!report.Completed)
        {
            await error.WriteLineAsync($"{Name}: the teacher's training stopped at step {report.Step} of {report.TotalSteps}; run the demo again to resume it.").ConfigureAwait(false);
            return null;
        }
        view.TeacherReady(report, trainedNow: true);
        return report;
    }

    private static DemoSummary Summarize(DemoSettings settings, LocalStore store, string runId, DistillEventData outcome, PretrainingReport teacher, TimeSpan elapsed)
    {
        var summary = new DemoSummary
        {
            Status = outcome is PipelineCompleted ? "completed" : "failed",
            RunId = runId,
            Method = settings.Method,
            Store = store.Root,
            Seconds = elapsed.TotalSeconds,
        };
        if (outcome is PipelineFailed failed)
        {
            // A gate the student missed fails the run after the evaluation wrote its report.
            var written = LocalPath(store, BlobPaths.Report(runId));
            return summary with { FailedStage = failed.FailedStage, Reasons = failed.Reasons, Report = Directory.Exists(written) ? written : null };
        }
        var completed = (PipelineCompleted)outcome;
        var c = completed.Comparison;
        var studentFolder = LocalPath(store, completed.Student);
        return summary with
        {
            Teacher = new DemoModelSummary(c.TeacherParameters, WeightBytes(teacher.Folder), c.TeacherPerplexity, c.TeacherTokensPerSecond, teacher.Folder),
            Student = new DemoModelSummary(c.StudentParameters, WeightBytes(studentFolder), c.StudentPerplexity, c.StudentTokensPerSecond, studentFolder),
            PerplexityRatio = c.PerplexityRatio,
            SizeRatio = c.SizeRatio,
            Speedup = c.Speedup,
            TopOneAgreement = c.TopOneAgreement,
            ForwardKl = c.ForwardKl,
            UniformPerplexity = teacher.VocabSize,
            Report = LocalPath(store, completed.Report),
        };
    }

    /// <summary>The bytes of a model folder's weights (model.safetensors, or its shards); 0 when there are none.</summary>
    private static long WeightBytes(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.safetensors").Sum(f => new FileInfo(f).Length) : 0;
}
