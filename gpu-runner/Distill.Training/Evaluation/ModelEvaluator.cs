using System.Diagnostics;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

namespace Distill.Training.Evaluation;

/// <summary>
/// Evaluates a model, and optionally its teacher, on a tokenized dataset split: token-weighted perplexity of each,
/// the student's top-1 agreement with the teacher and mean forward KL(teacher ‖ student), each model's forward
/// throughput and parameter count. Vocabulary-sized work runs in fp32 on chunks of positions (the head is applied to
/// <see cref="EvaluationOptions.ChunkPositions"/> final hidden states at a time), without gradients, in eval mode;
/// the models are put back in their previous mode afterwards.
/// </summary>
public static class ModelEvaluator
{
    private const int StudentLoss = 0;
    private const int TeacherLoss = 1;
    private const int Agreements = 2;
    private const int KlSum = 3;
    private const int Counted = 4;
    private const int StatCount = 5;

    /// <summary>
    /// Evaluates <paramref name="student"/> (and <paramref name="teacher"/>) on the first
    /// <see cref="EvaluationOptions.MaxBlocks"/> blocks of the split, in stored order. Samples are not generated
    /// here: add them with <see cref="Sample"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The split has no blocks, or its blocks or token ids do not fit a model.</exception>
    public static EvaluationReport Evaluate(
        TokenDataset dataset,
        NamedModel student,
        NamedModel? teacher = null,
        EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(student);
        options ??= new EvaluationOptions();
        options.Validate();
        var split = SplitName(options.Split);
        var blocks = Math.Min(dataset.BlockCount(options.Split), options.MaxBlocks ?? long.MaxValue);
        if (blocks == 0)
        {
            throw new ArgumentException($"{dataset.Folder}: the {split} split has no blocks to evaluate", nameof(dataset));
        }
        NamedModel[] models = teacher is null ? [student] : [student, teacher];
        foreach (var model in models)
        {
            if (dataset.BlockSize > model.Model.Config.MaxPositions)
            {
                throw new ArgumentException($"{dataset.Folder}: blocks of {dataset.BlockSize} tokens do not fit {model.Name}, which has {model.Model.Config.MaxPositions} positions", nameof(dataset));
            }
            if (dataset.VocabSize > model.Model.Config.VocabSize)
            {
                throw new ArgumentException($"{dataset.Folder}: token ids go up to {dataset.VocabSize - 1} but {model.Name} has a vocabulary of {model.Model.Config.VocabSize}", nameof(dataset));
            }
        }
        var batches = dataset.EvaluationBatches(options.BatchSize, blocks, student.Model.Device, options.Split);
        return Evaluate(batches, dataset.Folder, split, blocks, dataset.VocabSize, student, teacher, options, progress, cancellationToken);
    }

    /// <summary>
    /// Continuations of every prompt with every strategy (<see cref="TextGenerator.GenerateText"/>), to add to a
    /// report's <see cref="EvaluationReport.Samples"/>.
    /// </summary>
    public static ModelSamples Sample(
        NamedModel model,
        BpeTokenizer tokenizer,
        IReadOnlyList<string> prompts,
        IReadOnlyList<SamplingOptions> strategies,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(strategies);
        var generator = new TextGenerator(model.Model);
        var samples = new List<TextSample>();
        foreach (var prompt in prompts)
        {
            foreach (var strategy in strategies)
            {
                samples.Add(generator.GenerateText(tokenizer, prompt, strategy, cancellationToken));
            }
        }
        return new ModelSamples(model.Name, samples);
    }

    /// <summary>The evaluation pass over any batches (all of one block size); <paramref name="blocks"/> is their total row count.</summary>
    internal static EvaluationReport Evaluate(
        IEnumerable<TokenBatch> batches,
        string source,
        string split,
        long blocks,
        int? targetVocabSize,
        NamedModel student,
        NamedModel? teacher,
        EvaluationOptions options,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var studentModel = student.Model;
        var teacherModel = teacher?.Model;
        var device = studentModel.Device;
        var studentWasTraining = studentModel.IsTraining;
        var teacherWasTraining = teacherModel?.IsTraining ?? false;
        var totals = new double[StatCount];
        long positions = 0, rowsDone = 0;
        var blockSize = 0;
        double studentSeconds = 0, teacherSeconds = 0;
        using var noGrad = TorchRuntime.NoGrad();
        studentModel.Eval();
        teacherModel?.Eval();
        try
        {
            using var enumerator = batches.GetEnumerator();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // The batch's tensors belong to the scope that is current when the enumerator produces it.
                using var scope = TensorScope.Begin();
                if (!enumerator.MoveNext())
                {
                    break;
                }
                using var batch = enumerator.Current;
                var ids = batch.InputIds.To(device);
                var targets = batch.Targets.To(device).Reshape(-1);
                blockSize = (int)ids.Size(1);
                if (rowsDone == 0)
                {
                    // One untimed forward of each model first: the first pays one-time costs (allocations, thread pools),
                    // which would count against the student, timed first, and weigh much in a small evaluation.
                    var untimed = 0.0;
                    FinalHidden(studentModel, ids, ref untimed);
                    if (teacherModel is not null)
                    {
                        FinalHidden(teacherModel, ids.To(teacherModel.Device), ref untimed);
                    }
                }
                var studentHidden = FinalHidden(studentModel, ids, ref studentSeconds);
                var teacherHidden = teacherModel is null ? null : FinalHidden(teacherModel, ids.To(teacherModel.Device), ref teacherSeconds);
                var sums = Tensor.Zeros([StatCount], DType.Float64, device);
                var count = targets.Size(0);
                for (long start = 0; start < count; start += options.ChunkPositions)
                {
                    using (TensorScope.Begin())
                    {
                        var length = Math.Min(options.ChunkPositions, count - start);
                        var chunkTargets = targets.Narrow(0, start, length);
                        var ignored = chunkTargets.Eq(TokenBatch.IgnoreIndex);
                        var studentLogits = Logits(studentModel, studentHidden.Narrow(0, start, length), ref studentSeconds);
                        CheckWidth(student, studentLogits, targetVocabSize, source);
                        var studentLogProbs = studentLogits.LogSoftmax(-1);
                        var chunk = new Tensor[StatCount];
                        chunk[StudentLoss] = MaskedSum(Nll(studentLogProbs, chunkTargets, ignored), ignored);
                        chunk[Counted] = ignored.LogicalNot().Sum(DType.Float64);
                        if (teacher is null || teacherHidden is null)
                        {
                            chunk[TeacherLoss] = chunk[Agreements] = chunk[KlSum] = Tensor.Zeros([], DType.Float64, device);
                        }
                        else
                        {
                            var teacherLogits = Logits(teacher.Model, teacherHidden.Narrow(0, start, length), ref teacherSeconds).To(device);
                            if (teacherLogits.Size(-1) != studentLogits.Size(-1))
                            {
                                throw new ArgumentException($"{student.Name} gives {studentLogits.Size(-1)} logits per position but {teacher.Name} gives {teacherLogits.Size(-1)}: agreement and KL need one vocabulary", nameof(teacher));
                            }
                            var teacherLogProbs = teacherLogits.LogSoftmax(-1);
                            chunk[TeacherLoss] = MaskedSum(Nll(teacherLogProbs, chunkTargets, ignored), ignored);
                            chunk[Agreements] = MaskedSum(studentLogits.ArgMax(-1).Eq(teacherLogits.ArgMax(-1)), ignored);
                            chunk[KlSum] = MaskedSum(ForwardKl(teacherLogProbs, studentLogProbs), ignored);
                        }
                        sums.AddInPlace(Tensor.Stack(chunk));
                    }
                }
                var values = sums.ToArray<double>();
                for (var i = 0; i < StatCount; i++)
                {
                    totals[i] += values[i];
                }
                positions += ids.NumElements;
                rowsDone += batch.Rows;
                progress?.Report(new EvaluationProgress(rowsDone, blocks));
            }
        }
        finally
        {
            studentModel.Train(studentWasTraining);
            teacherModel?.Train(teacherWasTraining);
        }
        var counted = (long)totals[Counted];
        if (counted == 0)
        {
            throw new ArgumentException($"{source}: no target of the {rowsDone} evaluated blocks counts (all are masked)", nameof(batches));
        }
        return new EvaluationReport
        {
            Dataset = source,
            Split = split,
            Blocks = rowsDone,
            BlockSize = blockSize,
            TokensEvaluated = counted,
            Student = Metrics(student, totals[StudentLoss] / counted, positions, studentSeconds),
            Teacher = teacher is null ? null : Metrics(teacher, totals[TeacherLoss] / counted, positions, teacherSeconds),
            TopOneAgreement = teacher is null ? null : totals[Agreements] / counted,
            ForwardKl = teacher is null ? null : totals[KlSum] / counted,
        };
    }

    private static string SplitName(DataSplit split) => split == DataSplit.Validation ? "validation" : "train";

    private static ModelMetrics Metrics(NamedModel model, double meanLoss, long positions, double seconds) => new()
    {
        Name = model.Name,
        Parameters = model.Model.ParameterCount(),
        MeanLoss = meanLoss,
        Perplexity = Math.Exp(meanLoss),
        TokensPerSecond = seconds > 0 ? positions / seconds : 0,
        ForwardSeconds = seconds,
    };

    /// <summary>The final hidden states [B·T, C] (no logits), timing the forward pass.</summary>
    private static Tensor FinalHidden(CausalLanguageModel model, Tensor ids, ref double seconds)
    {
        var start = StartTimer(model.Device);
        var hidden = model.Forward(ids, new ForwardOptions { Logits = false }).FinalHidden;
        var flat = hidden.Reshape(-1, hidden.Size(-1));
        seconds += StopTimer(model.Device, start);
        return flat;
    }

    /// <summary>fp32 logits [N, V] of a chunk of final hidden states, timing the head.</summary>
    private static Tensor Logits(CausalLanguageModel model, Tensor hidden, ref double seconds)
    {
        var start = StartTimer(model.Device);
        var logits = model.Head(hidden).ToFloat32();
        seconds += StopTimer(model.Device, start);
        return logits;
    }

    private static long StartTimer(Device device)
    {
        if (device.IsCuda)
        {
            TorchRuntime.CudaSynchronize(device.Index);
        }
        return Stopwatch.GetTimestamp();
    }

    private static double StopTimer(Device device, long start)
    {
        if (device.IsCuda)
        {
            TorchRuntime.CudaSynchronize(device.Index);
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static void CheckWidth(NamedModel model, Tensor logits, int? targetVocabSize, string source)
    {
        if (targetVocabSize is { } vocab && vocab > logits.Size(-1))
        {
            throw new ArgumentException($"{source}: token ids go up to {vocab - 1} but {model.Name} gives {logits.Size(-1)} logits per position");
        }
    }

    /// <summary>−log p(target) per position; ignored targets read position 0 and are masked out by the caller.</summary>
    private static Tensor Nll(Tensor logProbs, Tensor targets, Tensor ignored) =>
        -logProbs.Gather(1, targets.MaskedFill(ignored, 0).Unsqueeze(1)).Squeeze(1);

    /// <summary>KL(p ‖ q) per row, Σ p·(log p − log q), with 0·log 0 taken as 0.</summary>
    private static Tensor ForwardKl(Tensor teacherLogProbs, Tensor studentLogProbs)
    {
        var teacherProbs = teacherLogProbs.Exp();
        return (teacherProbs * (teacherLogProbs - studentLogProbs)).MaskedFill(teacherProbs.Eq(0), 0).Sum(-1);
    }

    private static Tensor MaskedSum(Tensor values, Tensor ignored) =>
        values.To(DType.Float64).MaskedFill(ignored, 0).Sum();
}
