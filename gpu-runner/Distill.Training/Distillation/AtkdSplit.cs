using Distill.Contracts.Methods;
using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// ATKD's easy/hard split of one micro-batch by the teacher's uncertainty UnC over the n valid tokens. With k the hard
/// fraction, the threshold θ is the r-th smallest UnC (1-based, as <c>kthvalue</c>), r = max(1, ⌈(1 − k)·n⌉); hard
/// tokens are the valid ones with UnC ≥ θ (ties go to hard), easy tokens the valid ones below θ. For k = 0.5,
/// r = ⌈n/2⌉ is the lower median, which is what the authors' <c>torch.median</c> gives; with distinct values the hard
/// group then has n − r + 1 tokens (3 of 4, 3 of 5). The masks belong to the caller's <see cref="TensorScope"/>.
/// </summary>
public sealed class AtkdSplit
{
    private AtkdSplit(Tensor hard, Tensor easy, double threshold, long validCount, long hardCount, long easyCount)
    {
        Hard = hard;
        Easy = easy;
        Threshold = threshold;
        ValidCount = validCount;
        HardCount = hardCount;
        EasyCount = easyCount;
    }

    /// <summary>Hard tokens (bool, the shape of the uncertainties given to <see cref="Create"/>, or of a chunk).</summary>
    public Tensor Hard { get; }

    /// <summary>Easy tokens (bool, same shape as <see cref="Hard"/>); disjoint from it.</summary>
    public Tensor Easy { get; }

    /// <summary>θ; +∞ when no token is valid.</summary>
    public double Threshold { get; }

    /// <summary>Valid tokens of the whole micro-batch.</summary>
    public long ValidCount { get; }

    /// <summary>|H| over the whole micro-batch (also in a chunk's view).</summary>
    public long HardCount { get; }

    /// <summary>|E| over the whole micro-batch (also in a chunk's view).</summary>
    public long EasyCount { get; }

    /// <summary>
    /// Splits a micro-batch: <paramref name="uncertainty"/> holds the teacher's UnC for every position (any shape,
    /// e.g. [B, T] or the concatenated chunks), <paramref name="mask"/> (same shape) marks the positions that count.
    /// Reads the group sizes back to the host (one synchronisation per micro-batch).
    /// </summary>
    public static AtkdSplit Create(Tensor uncertainty, Tensor mask, double hardFraction = AtkdOptions.DefaultHardFraction)
    {
        ArgumentNullException.ThrowIfNull(uncertainty);
        ArgumentNullException.ThrowIfNull(mask);
        LossInputs.RequireSameShape(uncertainty, nameof(uncertainty), mask, nameof(mask));
        using var noGrad = TorchRuntime.NoGrad();
        var valid = mask.DType == DType.Bool ? mask : mask.Ne(0);
        var values = uncertainty.Detach().MaskedSelect(valid);
        var n = values.NumElements;
        if (n == 0)
        {
            var none = Tensor.Zeros(valid.Shape, DType.Bool, valid.Device);
            return new AtkdSplit(none, none, double.PositiveInfinity, 0, 0, 0);
        }
        var theta = values.KthValue(ThresholdRank(n, hardFraction), 0).Values;
        var hard = valid.LogicalAnd(uncertainty.Detach().Ge(theta));
        var easy = valid.LogicalAnd(hard.LogicalNot());
        var hardCount = hard.Sum(DType.Int64).ToInt64();
        return new AtkdSplit(hard, easy, theta.ToDouble(), n, hardCount, n - hardCount);
    }

    /// <summary>
    /// The rank r (1-based) of the threshold among n sorted uncertainties: max(1, ⌈(1 − k)·n⌉), computed in decimal so
    /// that, e.g., k = 0.3 and n = 10 give exactly 7.
    /// </summary>
    public static long ThresholdRank(long validCount, double hardFraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(validCount, 1);
        if (!(hardFraction is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(hardFraction), hardFraction, "must be in (0, 1)");
        }
        var rank = (long)decimal.Ceiling((1m - (decimal)hardFraction) * validCount);
        return Math.Clamp(rank, 1, validCount);
    }

    /// <summary>The split restricted to a chunk along <paramref name="dim"/>; the group sizes stay the micro-batch's.</summary>
    public AtkdSplit Chunk(long dim, long start, long length) =>
        new(Hard.Narrow(dim, start, length), Easy.Narrow(dim, start, length), Threshold, ValidCount, HardCount, EasyCount);
}
