using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>Shape checks and the shared preparation of the loss terms' inputs.</summary>
internal static class LossInputs
{
    /// <summary>
    /// The tensor in the precision the terms compute in: fp16 and bf16 are raised to fp32; fp32 and fp64 stay as they
    /// are (fp64 is what the gradient checks use).
    /// </summary>
    public static Tensor ComputePrecision(Tensor x) =>
        x.DType is DType.Float32 or DType.Float64 ? x : x.To(DType.Float32);

    /// <summary>A teacher tensor: cut from the graph, so no gradient ever reaches the teacher.</summary>
    public static Tensor Teacher(Tensor x) => ComputePrecision(x.Detach());

    public static void RequireFloatingPoint(Tensor x, string name)
    {
        if (!x.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"{name} must be a floating-point tensor, got {x.DType}", name);
        }
    }

    public static void RequireSameShape(Tensor a, string aName, Tensor b, string bName)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            throw new ArgumentException($"{aName} {Describe(a)} and {bName} {Describe(b)} must have the same shape", bName);
        }
    }

    /// <summary>Checks that <paramref name="perToken"/> has exactly the leading shape of <paramref name="values"/> (all but the last dimension).</summary>
    public static void RequireLeadingShape(Tensor values, string valuesName, Tensor perToken, string perTokenName)
    {
        var lead = values.Shape.AsSpan(0, values.Rank - 1);
        if (!lead.SequenceEqual(perToken.Shape))
        {
            throw new ArgumentException(
                $"{perTokenName} {Describe(perToken)} must have the leading shape [{string.Join(", ", lead.ToArray())}] of {valuesName} {Describe(values)}",
                perTokenName);
        }
    }

    public static void RequireRankAtLeast(Tensor x, int rank, string name, string layout)
    {
        if (x.Rank < rank)
        {
            throw new ArgumentException($"{name} must be {layout}, got {Describe(x)}", name);
        }
    }

    /// <summary>
    /// The positions that count: <paramref name="mask"/> (non-zero = counts) and, when targets are given, a target that
    /// is a class index (negative targets, such as the ignore index -100, never count). Null when everything counts.
    /// </summary>
    public static Tensor? Valid(Tensor? mask, Tensor? targets, Tensor shapeReference, string referenceName)
    {
        Tensor? valid = null;
        if (mask is not null)
        {
            RequireLeadingShape(shapeReference, referenceName, mask, nameof(mask));
            valid = mask.DType == DType.Bool ? mask : mask.Ne(0);
        }
        if (targets is not null)
        {
            var classes = targets.Ge(0);
            valid = valid is null ? classes : valid.LogicalAnd(classes);
        }
        return valid;
    }

    /// <summary>Replaces the rows of <paramref name="x"/> [..., D] at invalid positions by zeros (and cuts their gradient).</summary>
    public static Tensor ZeroInvalidRows(Tensor x, Tensor? valid) =>
        valid is null ? x : x.MaskedFill(valid.LogicalNot().Unsqueeze(-1), 0);

    /// <summary>Per-position values with exact zeros (and zero gradient) at invalid positions.</summary>
    public static Tensor ZeroInvalid(Tensor values, Tensor? valid) =>
        valid is null ? values : values.MaskedFill(valid.LogicalNot(), 0);

    /// <summary>Targets usable as gather indices: invalid positions point at class 0 (their values are zeroed later).</summary>
    public static Tensor SafeTargets(Tensor targets, Tensor? valid)
    {
        if (targets.DType != DType.Int64)
        {
            throw new ArgumentException($"targets must be int64 class indices, got {targets.DType}", nameof(targets));
        }
        return valid is null ? targets : targets.MaskedFill(valid.LogicalNot(), 0);
    }

    public static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be a finite number > 0");
        }
    }

    public static string Describe(Tensor x) => $"[{string.Join(", ", x.Shape)}]";
}
