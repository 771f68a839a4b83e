using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Distill.Torch;

namespace Distill.Training.Trainers;

/// <summary>
/// How <see cref="Trainer"/> trains: AdamW with a warmup-then-cosine learning rate, gradient clipping and
/// accumulation, checkpoints and evaluation. Defaults follow nanoGPT's GPT-2 recipe where it has one.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Optimizer steps in total (the cosine decay ends here).</summary>
    public long Steps { get; init; } = 1000;

    /// <summary>Rows (blocks) per micro-batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step; each contributes its loss scaled by 1/this.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>The peak learning rate, reached at the end of the warmup.</summary>
    public double LearningRate { get; init; } = 6e-4;

    /// <summary>The floor the cosine decays to; <see cref="LearningRate"/>/10 when null.</summary>
    public double? MinLearningRate { get; init; }

    /// <summary>Steps of linear warmup.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Decoupled weight decay, applied to matrices and embeddings (rank ≥ 2) only.</summary>
    public double WeightDecay { get; init; } = 0.1;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.95;

    public double Eps { get; init; } = 1e-8;

    /// <summary>The global gradient norm is clipped to this before each step; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Fixes the data order, the dropout masks and the default generators (pass it to the model's initialisation too).</summary>
    public ulong Seed { get; init; }

    /// <summary>A checkpoint every this many steps (0: only at the end and on cancellation).</summary>
    public long CheckpointEvery { get; init; } = 1000;

    /// <summary>The validation loss every this many steps (0: only at the end).</summary>
    public long EvaluateEvery { get; init; }

    /// <summary>Validation batches (of <see cref="BatchSize"/> rows) per evaluation; 0 turns evaluation off.</summary>
    public int EvaluationBatches { get; init; } = 8;

    /// <summary>
    /// Progress (and the loss read back to the host) every this many steps, besides evaluation, checkpoint and final
    /// steps. Reading forces a device synchronisation, so on CUDA a value like 10 keeps the GPU busy.
    /// </summary>
    public long ProgressEvery { get; init; } = 1;

    [JsonConverter(typeof(DeviceJsonConverter))]
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>bf16 autocast for the forward passes; only effective on CUDA (CPU training stays fp32).</summary>
    public bool Bf16Autocast { get; init; } = true;

    /// <summary>How many checkpoints the store keeps (the newest ones).</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>
    /// Resume a checkpoint written with another <see cref="Steps"/> (a training extended to more steps, or cut to fewer
    /// but not below the checkpoint's step). The cosine schedule then follows the new <see cref="Steps"/> from the
    /// checkpoint's step on, so the result is no longer that of one uninterrupted run. Off by default: a checkpoint of
    /// other steps is refused like any other change of the result.
    /// </summary>
    public bool AllowStepsChange { get; init; }

    /// <summary><see cref="MinLearningRate"/>, or its default.</summary>
    [JsonIgnore]
    public double EffectiveMinLearningRate => MinLearningRate ?? LearningRate / 10;

    /// <summary>Whether the forward passes run under bf16 autocast (asked for, and on CUDA).</summary>
    [JsonIgnore]
    public bool UsesAutocast => Bf16Autocast && Device.IsCuda;

    /// <summary>Throws a <see cref="TrainerOptionsException"/> naming every field with an invalid value.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string field, object value, string rule)
        {
            if (!ok)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{field} is {value}: {rule}"));
            }
        }
        Check(Steps >= 1, nameof(Steps), Steps, "must be at least 1");
        Check(BatchSize >= 1, nameof(BatchSize), BatchSize, "must be at least 1");
        Check(GradientAccumulation >= 1, nameof(GradientAccumulation), GradientAccumulation, "must be at least 1");
        Check(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "must be positive");
        if (MinLearningRate is { } min)
        {
            Check(double.IsFinite(min) && min >= 0 && min <= LearningRate, nameof(MinLearningRate), min, "must be in [0, LearningRate]");
        }
        Check(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, "must not be negative");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must not be negative");
        Check(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "must be in [0, 1)");
        Check(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "must be in [0, 1)");
        Check(double.IsFinite(Eps) && Eps > 0, nameof(Eps), Eps, "must be positive");
        Check(double.IsFinite(MaxGradNorm) && MaxGradNorm >= 0, nameof(MaxGradNorm), MaxGradNorm, "must not be negative (0 turns clipping off)");
        Check(CheckpointEvery >= 0, nameof(CheckpointEvery), CheckpointEvery, "must not be negative (0: only at the end)");
        Check(EvaluateEvery >= 0, nameof(EvaluateEvery), EvaluateEvery, "must not be negative (0: only at the end)");
        Check(EvaluationBatches >= 0, nameof(EvaluationBatches), EvaluationBatches, "must not be negative (0 turns evaluation off)");
        Check(ProgressEvery >= 1, nameof(ProgressEvery), ProgressEvery, "must be at least 1");
        Check(KeepCheckpoints >= 1, nameof(KeepCheckpoints), KeepCheckpoints, "must be at least 1");
        if (problems.Count > 0)
        {
            throw new TrainerOptionsException(problems);
        }
    }

    /// <summary>
    /// The fields that change the trained weights (everything except checkpoint, evaluation and progress intervals,
    /// evaluation size and the number of checkpoints kept), as name and invariant text.
    /// </summary>
    internal IEnumerable<(string Field, string Value)> ResultFields()
    {
        static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        yield return (nameof(Steps), Steps.ToString(CultureInfo.InvariantCulture));
        yield return (nameof(BatchSize), BatchSize.ToString(CultureInfo.InvariantCulture));
        yield return (nameof(GradientAccumulation), GradientAccumulation.ToString(CultureInfo.InvariantCulture));
        yield return (nameof(LearningRate), F(LearningRate));
        yield return (nameof(MinLearningRate), F(EffectiveMinLearningRate));
        yield return (nameof(WarmupSteps), WarmupSteps.ToString(CultureInfo.InvariantCulture));
        yield return (nameof(WeightDecay), F(WeightDecay));
        yield return (nameof(Beta1), F(Beta1));
        yield return (nameof(Beta2), F(Beta2));
        yield return (nameof(Eps), F(Eps));
        yield return (nameof(MaxGradNorm), F(MaxGradNorm));
        yield return (nameof(Seed), Seed.ToString(CultureInfo.InvariantCulture));
        yield return (nameof(Device), Device.ToString());
        yield return (nameof(Bf16Autocast), UsesAutocast ? "on" : "off");
    }

    /// <summary>SHA-256 (hex) of the fields that change the result: equal hashes mean a checkpoint can be resumed.</summary>
    public string ResultHash()
    {
        var text = string.Join('\n', ResultFields().Select(f => f.Field + "=" + f.Value));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The fields that change the result and differ between these options and <paramref name="other"/>.</summary>
    public IReadOnlyList<string> ResultDifferences(TrainerOptions other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var theirs = other.ResultFields().ToDictionary(f => f.Field, f => f.Value, StringComparer.Ordinal);
        return ResultFields().Where(f => theirs[f.Field] != f.Value).Select(f => f.Field).ToList();
    }
}
