using Distill.Torch;
using Distill.Training.Data;

namespace Distill.Training.Distillation;

/// <summary>Which positions count, and sums and means over them.</summary>
public static class TokenMask
{
    /// <summary>
    /// The positions that count for next-token targets [...]: every target except <paramref name="ignoreIndex"/>
    /// (padding and chat prompts carry it), as a bool tensor.
    /// </summary>
    public static Tensor FromTargets(Tensor targets, long ignoreIndex = TokenBatch.IgnoreIndex)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return targets.Ne(ignoreIndex);
    }

    /// <summary>The number of positions that count, as a 0-d int64 tensor (no host synchronisation).</summary>
    public static Tensor Count(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return (mask.DType == DType.Bool ? mask : mask.Ne(0)).Sum(DType.Int64);
    }

    /// <summary>Σ values over the positions that count (0-d); other positions add nothing, value or gradient.</summary>
    public static Tensor MaskedSum(Tensor values, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(mask);
        LossInputs.RequireSameShape(values, nameof(values), mask, nameof(mask));
        var valid = mask.DType == DType.Bool ? mask : mask.Ne(0);
        return values.MaskedFill(valid.LogicalNot(), 0).Sum();
    }

    /// <summary>The mean of values over the positions that count: Σ_valid values / max(1, count) (0 when none counts).</summary>
    public static Tensor MaskedMean(Tensor values, Tensor mask)
    {
        var sum = MaskedSum(values, mask);
        return sum / Count(mask).ClampMin(1).To(sum.DType);
    }
}
