using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// Per-token losses over vocabulary-sized logits. Each takes logits [..., V] (one chunk of a sequence, usually [N, V]),
/// computes in fp32 (fp64 inputs stay fp64) with log-softmax and logsumexp, never log(softmax), and returns one value
/// per position [...]. Positions where <c>mask</c> is 0 (or whose target is negative, such as the ignore index -100)
/// get exactly 0 and pass no gradient back, whatever their logits hold. A caller sums the values over the chunks of a
/// micro-batch and divides by the number of valid tokens. Teacher logits are detached: no gradient reaches them.
/// </summary>
public static class VocabularyTerms
{
    /// <summary>
    /// Hinton's soft-target loss per token: T² · KL(p_T ‖ q_T) = T² · Σ_v p_v (log p_v − log q_v), with
    /// p_T = softmax(teacher/T) and q_T = softmax(student/T). The T² keeps gradient sizes comparable across temperatures.
    /// </summary>
    public static Tensor ForwardKl(Tensor studentLogits, Tensor teacherLogits, double temperature = 1, Tensor? mask = null)
    {
        var (logQ, logP, valid) = TemperedLogProbabilities(studentLogits, teacherLogits, temperature, mask);
        var perToken = (logP.Exp() * (logP - logQ)).Sum(-1);
        return LossInputs.ZeroInvalid(perToken * (temperature * temperature), valid);
    }

    /// <summary>
    /// The mode-seeking reverse KL per token: T² · KL(q_T ‖ p_T) = T² · Σ_v q_v (log q_v − log p_v); the gradient
    /// flows through both student factors.
    /// </summary>
    public static Tensor ReverseKl(Tensor studentLogits, Tensor teacherLogits, double temperature = 1, Tensor? mask = null)
    {
        var (logQ, logP, valid) = TemperedLogProbabilities(studentLogits, teacherLogits, temperature, mask);
        var perToken = (logQ.Exp() * (logQ - logP)).Sum(-1);
        return LossInputs.ZeroInvalid(perToken * (temperature * temperature), valid);
    }

    /// <summary>The task loss per token: −log q(target) with q = softmax(student) (temperature 1).</summary>
    public static Tensor CrossEntropy(Tensor studentLogits, Tensor targets, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(targets);
        CheckLogits(studentLogits, nameof(studentLogits));
        LossInputs.RequireLeadingShape(studentLogits, nameof(studentLogits), targets, nameof(targets));
        var valid = LossInputs.Valid(mask, targets, studentLogits, nameof(studentLogits));
        var logits = LossInputs.ZeroInvalidRows(LossInputs.ComputePrecision(studentLogits), valid);
        var logQ = logits.LogSoftmax(-1);
        var picked = logQ.Gather(-1, LossInputs.SafeTargets(targets, valid).Unsqueeze(-1)).Squeeze(-1);
        return LossInputs.ZeroInvalid(-picked, valid);
    }

    private static (Tensor LogQ, Tensor LogP, Tensor? Valid) TemperedLogProbabilities(Tensor studentLogits, Tensor teacherLogits,
        double temperature, Tensor? mask)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        LossInputs.RequirePositive(temperature, nameof(temperature));
        CheckPair(studentLogits, teacherLogits);
        var valid = LossInputs.Valid(mask, null, studentLogits, nameof(studentLogits));
        var student = LossInputs.ZeroInvalidRows(LossInputs.ComputePrecision(studentLogits), valid);
        var teacher = LossInputs.ZeroInvalidRows(LossInputs.Teacher(teacherLogits), valid);
        if (temperature != 1)
        {
            student /= temperature;
            teacher /= temperature;
        }
        return (student.LogSoftmax(-1), teacher.LogSoftmax(-1), valid);
    }

    internal static void CheckPair(Tensor studentLogits, Tensor teacherLogits)
    {
        CheckLogits(studentLogits, nameof(studentLogits));
        CheckLogits(teacherLogits, nameof(teacherLogits));
        if (studentLogits.Size(-1) != teacherLogits.Size(-1))
        {
            throw new ArgumentException(
                $"the student's vocabulary ({studentLogits.Size(-1)}) and the teacher's ({teacherLogits.Size(-1)}) differ: logit distillation needs one tokenizer",
                nameof(teacherLogits));
        }
        LossInputs.RequireSameShape(studentLogits, nameof(studentLogits), teacherLogits, nameof(teacherLogits));
    }

    internal static void CheckLogits(Tensor logits, string name)
    {
        LossInputs.RequireRankAtLeast(logits, 1, name, "logits [..., V]");
        LossInputs.RequireFloatingPoint(logits, name);
    }
}
