using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Evaluation;
using Distill.Training.Models;
using Distill.Training.Pretraining;
using Distill.Training.Trainers;

namespace Distill.Training.Comparison;

/// <summary>
/// Distils one teacher into students of one shape with several methods and seeds, under the same training (steps,
/// batch, learning rate, schedule and data), and measures each student on the held-out split against the teacher.
/// </summary>
/// <remarks>
/// <para>Per seed, per method: the student is built from the teacher (<see cref="StudentBuilder.Build"/>, teacher-layers
/// initialisation, the seed); for TED, Stage I trains the teacher's and then the student's filters
/// (<see cref="DistillationStages.TrainFiltersAsync"/>); <see cref="DistillationStages.DistillAsync"/> trains the student
/// (checkpoints in a temporary <see cref="LocalCheckpointStore"/>, deleted after the run); then
/// <see cref="ModelEvaluator.Evaluate"/> measures perplexity, top-1 agreement and KL(teacher ‖ student) on the first
/// blocks of the validation split. A run's wall-clock covers the build, Stage I and the distillation.</para>
/// <para>The same seed gives the same numbers (on the CPU): the seed initialises the student, LWD's projections and
/// TED's filters, and fixes the data order and the generators.</para>
/// </remarks>
public sealed class MethodComparison
{
    private readonly ComparisonOptions _options;
    private readonly TimeProvider _time;

    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public MethodComparison(ComparisonOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs every (method, seed) and aggregates them.</summary>
    /// <exception cref="ModelCheckpointException">The teacher folder cannot be loaded.</exception>
    /// <exception cref="DataFormatException">The inputs cannot be read.</exception>
    /// <exception cref="StudentShapeException">The student's shape cannot be built from the teacher.</exception>
    /// <exception cref="MethodOptionsException">A method does not fit the two models (checked before anything trains).</exception>
    /// <exception cref="ArgumentException">The block size exceeds the teacher's context, or the validation split is empty.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the runs done so far are lost.</exception>
    public async Task<ComparisonReport> RunAsync(IProgress<ComparisonProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var loadAtStart = ComparisonMachine.ReadLoadAverage();
        var cpuAtStart = ProcessCpuSeconds();
        var runs = _options.Methods.Count * _options.Seeds.Count;
        var device = _options.Trainer.Device;
        using var teacher = PretrainedModel.Load(_options.TeacherFolder, device);
        var teacherConfig = teacher.Model.Config;
        var blockSize = _options.BlockSize ?? Math.Min(teacherConfig.MaxPositions, ComparisonOptions.DefaultMaxBlockSize);
        if (blockSize > teacherConfig.MaxPositions)
        {
            throw new ArgumentException($"blocks of {blockSize} tokens do not fit the teacher in {teacher.Folder}, which has {teacherConfig.MaxPositions} positions");
        }
        var shape = _options.Student ?? ComparisonDefaults.QuarterShape(teacherConfig);
        var studentConfig = StudentBuilder.CreateConfig(teacherConfig, shape);
        foreach (var method in _options.Methods)
        {
            method.ThrowIfInvalid(studentConfig, teacherConfig);
        }
        var studentReport = DescribeStudent(teacher.Model, shape, _options.Seeds[0]);

        var dataOptions = _options.Data with { BlockSize = blockSize };
        var build = new TokenDatasetCache(_options.CacheRoot).Build(teacher.Tokenizer, teacher.TokenizerId, _options.Inputs, dataOptions,
            progress is null ? null : new Relay<TokenDatasetBuildProgress>(p => progress.Report(new ComparisonProgress
            {
                Phase = ComparisonPhase.Tokenizing, Runs = runs, Done = p.BytesRead, Total = p.Bytes,
            })),
            cancellationToken);
        using var dataset = TokenDataset.Open(build.Folder);
        var evaluation = _options.Evaluation with { Split = DataSplit.Validation };

        progress?.Report(new ComparisonProgress { Phase = ComparisonPhase.EvaluatingTeacher, Runs = runs });
        var teacherNamed = new NamedModel("teacher", teacher.Model);
        var teacherReport = ModelEvaluator.Evaluate(dataset, teacherNamed, null, evaluation, cancellationToken: cancellationToken);

        var workFolder = _options.WorkFolder ?? Path.Combine(Path.GetTempPath(), "distill-compare-" + Guid.NewGuid().ToString("N")[..12]);
        var results = new List<ComparisonRun>();
        try
        {
            var run = 0;
            foreach (var seed in _options.Seeds)
            {
                foreach (var method in _options.Methods)
                {
                    run++;
                    var context = new RunContext(method, seed, run, runs, Path.Combine(workFolder, $"run-{run:D3}"));
                    var result = await RunOneAsync(context, teacher, shape, dataset, evaluation, progress, cancellationToken).ConfigureAwait(false);
                    results.Add(result);
                    progress?.Report(new ComparisonProgress
                    {
                        Phase = ComparisonPhase.RunCompleted, Method = method.Name, Seed = seed, Run = run, Runs = runs, Done = 1, Total = 1, Result = result,
                    });
                }
            }
        }
        finally
        {
            if (_options.WorkFolder is null && Directory.Exists(workFolder))
            {
                Directory.Delete(workFolder, recursive: true);
            }
        }

        var index = dataset.Index;
        var training = _options.Trainer;
        var teacherTraining = TeacherTraining(teacher.Folder);
        return new ComparisonReport
        {
            Teacher = new ComparisonTeacher
            {
                Folder = teacher.Folder,
                ModelType = teacherConfig.ModelType,
                Layers = teacherConfig.NumLayers,
                HiddenSize = teacherConfig.HiddenSize,
                Heads = teacherConfig.NumHeads,
                Parameters = teacherReport.Student.Parameters,
                VocabSize = teacher.Model.OutputVocabSize,
                Perplexity = teacherReport.Student.Perplexity,
                MeanLoss = teacherReport.Student.MeanLoss,
                TrainingSeconds = teacherTraining?.TrainingSeconds,
                TrainingSteps = teacherTraining?.Step,
            },
            Student = studentReport with { ParameterRatio = (double)studentReport.Parameters / teacherReport.Student.Parameters },
            Data = new ComparisonData
            {
                Inputs = _options.Inputs,
                Dataset = build.Folder,
                BlockSize = blockSize,
                TrainDocuments = index.Train.Documents,
                TrainTokens = index.Train.Tokens,
                ValidationDocuments = index.Validation.Documents,
                ValidationTokens = index.Validation.Tokens,
                EvaluatedBlocks = teacherReport.Blocks,
                EvaluatedTokens = teacherReport.TokensEvaluated,
            },
            Training = new ComparisonTraining
            {
                Steps = training.Steps,
                BatchSize = training.BatchSize,
                GradientAccumulation = training.GradientAccumulation,
                LearningRate = training.LearningRate,
                MinLearningRate = training.EffectiveMinLearningRate,
                WarmupSteps = training.WarmupSteps,
                WeightDecay = training.WeightDecay,
                TokensPerRun = training.Steps * training.BatchSize * training.GradientAccumulation * blockSize,
                Device = device.ToString(),
            },
            Seeds = _options.Seeds,
            Methods = _options.Methods,
            Runs = results,
            Summaries = [.. _options.Methods.Select(m => MethodSummary.Of([.. results.Where(r => r.Method == m.Name)]))],
            Machine = new ComparisonMachine
            {
                ProcessorCount = Environment.ProcessorCount,
                TorchThreads = TorchRuntime.Threads,
                OperatingSystem = RuntimeInformation.OSDescription,
                LoadAverageAtStart = loadAtStart,
                LoadAverageAtEnd = ComparisonMachine.ReadLoadAverage(),
                CpuSeconds = ProcessCpuSeconds() - cpuAtStart,
                Finished = _time.GetUtcNow(),
            },
            TotalSeconds = _time.GetElapsedTime(started).TotalSeconds,
        };
    }

    /// <summary>The teacher folder's training.json (written by <see cref="PretrainingJob"/>), or null when it has none or it cannot be read.</summary>
    private static PretrainingReport? TeacherTraining(string folder)
    {
        if (!File.Exists(Path.Combine(folder, PretrainingJob.ReportFileName)))
        {
            return null;
        }
        try
        {
            return PretrainingJob.ReadReport(folder);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The students' shape, parameters and what the teacher-layers initialisation copies (a student built with the first seed).</summary>
    private static ComparisonStudent DescribeStudent(CausalLanguageModel teacher, StudentShape shape, ulong seed)
    {
        var built = StudentBuilder.Build(teacher, shape, StudentInitialization.FromTeacher, seed);
        using var student = built.Model;
        return new ComparisonStudent
        {
            Layers = student.Config.NumLayers,
            HiddenSize = student.Config.HiddenSize,
            Heads = student.Config.NumHeads,
            IntermediateSize = student.Config.IntermediateSize,
            Parameters = student.ParameterCount(),
            ParameterRatio = 0,
            CopiedTensors = built.Copied.Count,
            InitializationNotes = built.Notes,
        };
    }

    private async Task<ComparisonRun> RunOneAsync(RunContext run, PretrainedModel teacher, StudentShape shape,
        TokenDataset dataset, EvaluationOptions evaluation, IProgress<ComparisonProgress>? progress, CancellationToken cancellationToken)
    {
        var method = run.Method;
        var trainerOptions = _options.Trainer with { Seed = run.Seed };
        var started = _time.GetTimestamp();
        var cpuAtStart = ProcessCpuSeconds();
        var built = StudentBuilder.Build(teacher.Model, shape, StudentInitialization.FromTeacher, run.Seed);
        using var student = built.Model;
        FilterTrainingResult? teacherFilters = null;
        FilterTrainingResult? studentFilters = null;
        try
        {
            double stageOneSeconds = 0;
            long stageOneSteps = 0;
            if (method.Name == MethodNames.Ted)
            {
                var stageOne = _time.GetTimestamp();
                teacherFilters = await DistillationStages.TrainFiltersAsync(ModelRole.Teacher, teacher.Model, student.Config, dataset, method, trainerOptions,
                    new LocalCheckpointStore(Path.Combine(run.Folder, "teacher-filters")), TrainingRelay(run, ComparisonPhase.TeacherFilters, progress),
                    _options.ChunkTokens, cancellationToken).ConfigureAwait(false);
                ThrowIfStopped(teacherFilters.Training, cancellationToken);
                studentFilters = await DistillationStages.TrainFiltersAsync(ModelRole.Student, student, teacher.Model.Config, dataset, method, trainerOptions,
                    new LocalCheckpointStore(Path.Combine(run.Folder, "student-filters")), TrainingRelay(run, ComparisonPhase.StudentFilters, progress),
                    _options.ChunkTokens, cancellationToken).ConfigureAwait(false);
                ThrowIfStopped(studentFilters.Training, cancellationToken);
                stageOneSeconds = _time.GetElapsedTime(stageOne).TotalSeconds;
                stageOneSteps = teacherFilters.Training.Step + studentFilters.Training.Step;
            }
            var training = await DistillationStages.DistillAsync(method.Name == MethodNames.Ce ? null : teacher.Model, student, dataset, method, trainerOptions,
                new LocalCheckpointStore(Path.Combine(run.Folder, "student")), TrainingRelay(run, ComparisonPhase.Distilling, progress),
                teacherFilters?.Filters, studentFilters?.Filters, _options.ChunkTokens, cancellationToken).ConfigureAwait(false);
            ThrowIfStopped(training, cancellationToken);
            var seconds = _time.GetElapsedTime(started).TotalSeconds;
            var cpuSeconds = ProcessCpuSeconds() - cpuAtStart;

            var evaluating = _time.GetTimestamp();
            var report = ModelEvaluator.Evaluate(dataset, new NamedModel(method.Name!, student), new NamedModel("teacher", teacher.Model), evaluation,
                progress is null ? null : new Relay<EvaluationProgress>(p => progress.Report(Progress(run, ComparisonPhase.Evaluating, p.Blocks, p.TotalBlocks))),
                cancellationToken);
            return new ComparisonRun
            {
                Method = method.Name!,
                Seed = run.Seed,
                Perplexity = report.Student.Perplexity,
                MeanLoss = report.Student.MeanLoss,
                TopOneAgreement = report.TopOneAgreement ?? double.NaN,
                ForwardKl = report.ForwardKl ?? double.NaN,
                Seconds = seconds,
                CpuSeconds = cpuSeconds,
                StageOneSeconds = stageOneSeconds,
                StageOneSteps = stageOneSteps,
                Steps = training.Step,
                FinalTrainingLoss = training.Losses.Count > 0 ? training.Losses[^1].Loss : null,
                EvaluationSeconds = _time.GetElapsedTime(evaluating).TotalSeconds,
            };
        }
        finally
        {
            teacherFilters?.Dispose();
            studentFilters?.Dispose();
            if (Directory.Exists(run.Folder))
            {
                Directory.Delete(run.Folder, recursive: true);
            }
        }
    }

    private static double ProcessCpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static void ThrowIfStopped(TrainingResult result, CancellationToken cancellationToken)
    {
        if (!result.Completed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException($"training stopped at step {result.Step} of {result.TotalSteps} without a cancellation");
        }
    }

    private static Relay<TrainingProgress>? TrainingRelay(RunContext run, ComparisonPhase phase, IProgress<ComparisonProgress>? progress) =>
        progress is null ? null : new Relay<TrainingProgress>(p => progress.Report(Progress(run, phase, p.Step, p.TotalSteps) with { Loss = p.Loss }));

    private static ComparisonProgress Progress(RunContext run, ComparisonPhase phase, long done, long total) => new()
    {
        Phase = phase, Method = run.Method.Name, Seed = run.Seed, Run = run.Index, Runs = run.Runs, Done = done, Total = total,
    };

    private sealed record RunContext(MethodOptions Method, ulong Seed, int Index, int Runs, string Folder);

    /// <summary>Passes reports on synchronously, on the reporting thread.</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
