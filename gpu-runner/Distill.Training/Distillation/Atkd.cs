using Distill.Contracts.Methods;
using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// Adaptive Teaching KD (Zhong et al., ACL 2024). Forward KL per token splits exactly into a target-oriented part
/// and a diversity-oriented part weighted by the teacher's uncertainty UnC = 1 − p_g (g the target token):
/// <code>
/// KL(p‖q) = TKD + UnC · DKD
/// TKD = p_g log(p_g/q_g) + (1−p_g) log((1−p_g)/(1−q_g))       binary KL, target vs. rest
/// DKD = Σ_{v≠g} p̂_v log(p̂_v/q̂_v),  p̂_v = p_v/(1−p_g)          KL over the renormalised non-targets
/// </code>
/// Tokens are split per micro-batch at a quantile of UnC over the valid tokens (<see cref="AtkdSplit"/>), and the loss
/// is λ·mean_easy DKD + (1−λ)·mean_hard (TKD + DKD), without the UnC weight, as the authors' code. The reverse setting
/// swaps the roles of teacher and student in TKD and DKD. Everything runs at temperature 1, as the authors' code.
/// Because the split needs every valid token of the micro-batch, a chunked caller works in two phases:
/// <list type="number">
/// <item>per chunk, <see cref="TeacherUncertainty"/> (teacher only); then <see cref="AtkdSplit.Create"/> on the
/// concatenated values;</item>
/// <item>per chunk, <see cref="Parts"/> and <see cref="GroupLoss"/> with the split's chunk; the chunk losses sum to the
/// micro-batch loss.</item>
/// </list>
/// </summary>
public static class Atkd
{
    /// <summary>
    /// The teacher's uncertainty 1 − p(target) per token [...] (computed stably as exp(logsumexp over the non-targets −
    /// logsumexp over all)), without gradient; 0 where the token does not count.
    /// </summary>
    public static Tensor TeacherUncertainty(Tensor teacherLogits, Tensor targets, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentNullException.ThrowIfNull(targets);
        CheckVocabulary(teacherLogits, nameof(teacherLogits));
        LossInputs.RequireLeadingShape(teacherLogits, nameof(teacherLogits), targets, nameof(targets));
        using var noGrad = TorchRuntime.NoGrad();
        var valid = LossInputs.Valid(mask, targets, teacherLogits, nameof(teacherLogits));
        var teacher = TargetStatistics.Of(LossInputs.ZeroInvalidRows(LossInputs.Teacher(teacherLogits), valid),
            LossInputs.SafeTargets(targets, valid));
        return LossInputs.ZeroInvalid(teacher.LogNonTarget.Exp(), valid);
    }

    /// <summary>TKD, DKD and the teacher's uncertainty per token [...] for one chunk of logits [..., V].</summary>
    public static AtkdParts Parts(Tensor studentLogits, Tensor teacherLogits, Tensor targets, AtkdSetting setting = AtkdSetting.Forward,
        Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentNullException.ThrowIfNull(targets);
        VocabularyTerms.CheckPair(studentLogits, teacherLogits);
        CheckVocabulary(studentLogits, nameof(studentLogits));
        LossInputs.RequireLeadingShape(studentLogits, nameof(studentLogits), targets, nameof(targets));
        var valid = LossInputs.Valid(mask, targets, studentLogits, nameof(studentLogits));
        var safeTargets = LossInputs.SafeTargets(targets, valid);
        var student = TargetStatistics.Of(LossInputs.ZeroInvalidRows(LossInputs.ComputePrecision(studentLogits), valid), safeTargets);
        var teacher = TargetStatistics.Of(LossInputs.ZeroInvalidRows(LossInputs.Teacher(teacherLogits), valid), safeTargets);

        // In the reverse setting the first distribution of each KL is the student's: the authors swap the logits.
        var (first, second) = setting == AtkdSetting.Forward ? (teacher, student) : (student, teacher);
        var tkd = first.LogTarget.Exp() * (first.LogTarget - second.LogTarget)
            + first.LogNonTarget.Exp() * (first.LogNonTarget - second.LogNonTarget);
        // p̂ is exactly 0 at the target, so the finite but meaningless log-ratio there adds nothing, value or gradient.
        var dkd = (first.NonTargetProbabilities() * (first.LogRenormalised - second.LogRenormalised)).Sum(-1);
        return new AtkdParts
        {
            Tkd = LossInputs.ZeroInvalid(tkd, valid),
            Dkd = LossInputs.ZeroInvalid(dkd, valid),
            Uncertainty = LossInputs.ZeroInvalid(teacher.LogNonTarget.Exp().Detach(), valid),
        };
    }

    /// <summary>
    /// One chunk's share of the group loss: λ·Σ_easy DKD / |E| + (1−λ)·Σ_hard (TKD + DKD) / |H|, with |E| and |H| the
    /// group sizes of the whole micro-batch (held by <paramref name="split"/>; pass <see cref="AtkdSplit.Chunk"/> for a
    /// chunk). An empty group adds 0. Summed over the chunks this is the micro-batch's ATKD loss.
    /// </summary>
    public static Tensor GroupLoss(AtkdParts parts, AtkdSplit split, double lambda = AtkdOptions.DefaultLambda)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(split);
        if (!(lambda is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "must be in [0, 1]");
        }
        LossInputs.RequireSameShape(parts.Dkd, "the parts", split.Hard, "the split's masks");
        var easy = parts.Dkd.MaskedFill(split.Easy.LogicalNot(), 0).Sum();
        var hard = (parts.Tkd + parts.Dkd).MaskedFill(split.Hard.LogicalNot(), 0).Sum();
        return easy * (lambda / Math.Max(1, split.EasyCount)) + hard * ((1 - lambda) / Math.Max(1, split.HardCount));
    }

    /// <summary>
    /// The ATKD loss of a whole micro-batch in one call (no chunking): the split over the valid tokens of
    /// <paramref name="studentLogits"/> [..., V], then <see cref="GroupLoss"/>.
    /// </summary>
    public static Tensor Loss(Tensor studentLogits, Tensor teacherLogits, Tensor targets, Tensor? mask = null,
        double lambda = AtkdOptions.DefaultLambda, double hardFraction = AtkdOptions.DefaultHardFraction, AtkdSetting setting = AtkdSetting.Forward)
    {
        var parts = Parts(studentLogits, teacherLogits, targets, setting, mask);
        var valid = LossInputs.Valid(mask, targets, studentLogits, nameof(studentLogits));
        var split = AtkdSplit.Create(parts.Uncertainty, valid ?? targets.Ge(0), hardFraction);
        return GroupLoss(parts, split, lambda);
    }

    private static void CheckVocabulary(Tensor logits, string name)
    {
        VocabularyTerms.CheckLogits(logits, name);
        if (logits.Size(-1) < 2)
        {
            throw new ArgumentException($"{name} {LossInputs.Describe(logits)} needs at least 2 classes: ATKD splits the target from the rest", name);
        }
    }

    /// <summary>The log-probabilities ATKD needs from one model's logits z [..., V] and targets g [...].</summary>
    private sealed class TargetStatistics
    {
        private TargetStatistics(Tensor nonTargetLogits, Tensor logTarget, Tensor logNonTarget, Tensor logRenormalised)
        {
            NonTargetLogits = nonTargetLogits;
            LogTarget = logTarget;
            LogNonTarget = logNonTarget;
            LogRenormalised = logRenormalised;
        }

        /// <summary>z with −∞ at the target.</summary>
        public Tensor NonTargetLogits { get; }

        /// <summary>log p_g = z_g − logsumexp(z).</summary>
        public Tensor LogTarget { get; }

        /// <summary>log(1 − p_g) = logsumexp_{v≠g}(z) − logsumexp(z), stable when p_g is close to 1.</summary>
        public Tensor LogNonTarget { get; }

        /// <summary>log p̂_v = z_v − logsumexp_{v≠g}(z) [..., V]: meaningful off the target, finite everywhere.</summary>
        public Tensor LogRenormalised { get; }

        /// <summary>p̂ [..., V], exactly 0 at the target.</summary>
        public Tensor NonTargetProbabilities() => NonTargetLogits.Softmax(-1);

        public static TargetStatistics Of(Tensor logits, Tensor targets)
        {
            var vocabulary = logits.Size(-1);
            var isTarget = Tensor.Arange(0, vocabulary, 1, DType.Int64, logits.Device).Eq(targets.Unsqueeze(-1));
            var all = logits.LogSumExp(-1);
            var nonTargetLogits = logits.MaskedFill(isTarget, double.NegativeInfinity);
            var nonTarget = nonTargetLogits.LogSumExp(-1);
            var target = logits.Gather(-1, targets.Unsqueeze(-1)).Squeeze(-1);
            return new TargetStatistics(nonTargetLogits, target - all, nonTarget - all, logits - nonTarget.Unsqueeze(-1));
        }
    }
}
