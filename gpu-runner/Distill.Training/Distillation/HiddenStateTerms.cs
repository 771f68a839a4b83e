using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Distillation;

/// <summary>
/// Per-token distances between hidden states [..., D] of student and teacher, in fp32 (fp64 stays fp64). An optional
/// learned projection maps the student's states first (d_s → d_t). Positions where <c>mask</c> is 0 get exactly 0 and
/// no gradient. The teacher's states are detached. Average the values over the valid tokens with
/// <see cref="TokenMask.MaskedMean"/> (or sum them over chunks and divide by the valid count).
/// </summary>
public static class HiddenStateTerms
{
    /// <summary>The smallest norm the cosine divides by, as PyTorch's <c>cosine_similarity</c> eps.</summary>
    public const double CosineEpsilon = 1e-8;

    /// <summary>
    /// The squared error averaged over features per token: (1/D) Σ_j (s_j − t_j)². Its mean over valid tokens equals
    /// PyTorch's <c>mse_loss(reduction="mean")</c> when every token is valid.
    /// </summary>
    public static Tensor SquaredError(Tensor student, Tensor teacher, Tensor? mask = null, Linear? projection = null)
    {
        var (s, t, valid) = Prepare(student, teacher, mask, projection);
        return LossInputs.ZeroInvalid((s - t).Square().Mean(-1), valid);
    }

    /// <summary>The cosine distance per token: 1 − s·t / (max(‖s‖, ε)·max(‖t‖, ε)), in [0, 2].</summary>
    public static Tensor CosineDistance(Tensor student, Tensor teacher, Tensor? mask = null, Linear? projection = null)
    {
        var (s, t, valid) = Prepare(student, teacher, mask, projection);
        var dot = (s * t).Sum(-1);
        var norms = s.Norm(-1).ClampMin(CosineEpsilon) * t.Norm(-1).ClampMin(CosineEpsilon);
        return LossInputs.ZeroInvalid(1 - dot / norms, valid);
    }

    /// <summary>
    /// The mean of the squared error over every element, padding included: TED's code (<c>F.mse_loss</c>, mean), kept
    /// to reproduce the authors. Distill's objectives use the masked <see cref="SquaredError"/> instead.
    /// </summary>
    public static Tensor MeanSquaredErrorOverAllElements(Tensor student, Tensor teacher, Linear? projection = null)
    {
        var (s, t, _) = Prepare(student, teacher, null, projection);
        return (s - t).Square().Mean();
    }

    private static (Tensor Student, Tensor Teacher, Tensor? Valid) Prepare(Tensor student, Tensor teacher, Tensor? mask, Linear? projection)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        LossInputs.RequireRankAtLeast(student, 1, nameof(student), "hidden states [..., D]");
        LossInputs.RequireFloatingPoint(student, nameof(student));
        LossInputs.RequireFloatingPoint(teacher, nameof(teacher));
        var valid = LossInputs.Valid(mask, null, student, nameof(student));
        var s = LossInputs.ZeroInvalidRows(LossInputs.ComputePrecision(student), valid);
        if (projection is not null)
        {
            if (student.Size(-1) != projection.InFeatures)
            {
                throw new ArgumentException(
                    $"the projection takes {projection.InFeatures} features but the student's states {LossInputs.Describe(student)} have {student.Size(-1)}",
                    nameof(projection));
            }
            s = projection.Forward(s.DType == projection.Weight.DType ? s : s.To(projection.Weight.DType));
        }
        var t = LossInputs.ZeroInvalidRows(LossInputs.Teacher(teacher), valid);
        LossInputs.RequireSameShape(s, projection is null ? nameof(student) : "the projected student states", t, nameof(teacher));
        return (s, t, valid);
    }
}
