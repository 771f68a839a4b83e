using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// Attention-distribution alignment (MiniLM-style): for each query position, KL(A_t ‖ A_s) between the teacher's and
/// the student's attention rows, averaged over heads. Attention probabilities are [B, H, T, S] (the models'
/// <c>ModelOutput.Attentions</c>), computed in fp32 (fp64 stays fp64).
/// </summary>
public static class AttentionTerms
{
    private const double SmallestNormalSingle = 1.17549435e-38;
    private const double SmallestNormalDouble = 2.2250738585072014e-308;

    /// <summary>
    /// Per query position [B, T]: (1/n_s) Σ_h Σ_k Ā_t[b,h,τ,k] (log Ā_t[b,h,τ,k] − log A_s[b,h,τ,k]), where Ā_t is the
    /// teacher's attention with its heads grouped to the student's count (<see cref="GroupTeacherHeads"/>). Entries where
    /// the teacher's probability is 0 (causally masked keys, padding keys) add exactly 0, value and gradient (0·log 0 = 0);
    /// a student probability that underflowed to 0 where the teacher's is not is read as the smallest normal number, so
    /// the value stays finite. Query positions where <paramref name="queryMask"/> [B, T] is 0 get exactly 0 and no gradient.
    /// </summary>
    public static Tensor RowKl(Tensor teacherAttention, Tensor studentAttention, Tensor? queryMask = null)
    {
        ArgumentNullException.ThrowIfNull(teacherAttention);
        ArgumentNullException.ThrowIfNull(studentAttention);
        CheckAttention(teacherAttention, nameof(teacherAttention));
        CheckAttention(studentAttention, nameof(studentAttention));
        var student = LossInputs.ComputePrecision(studentAttention);
        var teacher = GroupTeacherHeads(LossInputs.Teacher(teacherAttention), studentAttention.Size(1));
        if (teacher.Size(1) != student.Size(1))
        {
            student = student.Mean(1, keepDim: true);
        }
        LossInputs.RequireSameShape(student, "the student's attention (heads grouped)", teacher, "the teacher's attention (heads grouped)");
        Tensor? valid = null;
        if (queryMask is not null)
        {
            var rows = new[] { teacherAttention.Size(0), teacherAttention.Size(2) };
            if (!queryMask.Shape.AsSpan().SequenceEqual(rows))
            {
                throw new ArgumentException(
                    $"{nameof(queryMask)} {LossInputs.Describe(queryMask)} must be [B, T] = [{rows[0]}, {rows[1]}] for attention {LossInputs.Describe(teacherAttention)}",
                    nameof(queryMask));
            }
            valid = queryMask.DType == DType.Bool ? queryMask : queryMask.Ne(0);
            // A teacher row of zeros adds nothing below, so masked rows drop out whatever either model holds there.
            teacher = teacher.MaskedFill(valid.LogicalNot().Unsqueeze(1).Unsqueeze(-1), 0);
        }
        var present = teacher.Gt(0);
        var logTeacher = teacher.MaskedFill(present.LogicalNot(), 1).Log();
        var tiny = student.DType == DType.Float64 ? SmallestNormalDouble : SmallestNormalSingle;
        var logStudent = student.MaskedFill(present.LogicalNot(), 1).ClampMin(tiny).Log();
        var perRow = (teacher * (logTeacher - logStudent)).Sum(-1).Mean(1);
        return LossInputs.ZeroInvalid(perRow, valid);
    }

    /// <summary>
    /// The teacher's attention [B, n_t, T, S] with its heads averaged into <paramref name="studentHeads"/> groups: when
    /// n_t = g·n_s, student head h is compared with the mean of teacher heads h·g … h·g + g − 1 (consecutive heads).
    /// When n_s does not divide n_t, there is no such pairing and both sides are reduced to their mean over all heads
    /// (the result then has one head; <see cref="RowKl"/> averages the student's heads to match).
    /// </summary>
    public static Tensor GroupTeacherHeads(Tensor teacherAttention, long studentHeads)
    {
        ArgumentNullException.ThrowIfNull(teacherAttention);
        ArgumentOutOfRangeException.ThrowIfLessThan(studentHeads, 1);
        CheckAttention(teacherAttention, nameof(teacherAttention));
        var teacherHeads = teacherAttention.Size(1);
        if (teacherHeads == studentHeads)
        {
            return teacherAttention;
        }
        if (teacherHeads % studentHeads != 0)
        {
            return teacherAttention.Mean(1, keepDim: true);
        }
        var shape = teacherAttention.Shape;
        return teacherAttention.Reshape(shape[0], studentHeads, teacherHeads / studentHeads, shape[2], shape[3]).Mean(2);
    }

    private static void CheckAttention(Tensor attention, string name)
    {
        if (attention.Rank != 4)
        {
            throw new ArgumentException($"{name} must be attention probabilities [B, H, T, S], got {LossInputs.Describe(attention)}", name);
        }
        LossInputs.RequireFloatingPoint(attention, name);
    }
}
