using Distill.Torch.Tests.Support;
using static Distill.Torch.Tests.Support.GradCheck;

namespace Distill.Torch.Tests.Gradients;

/// <summary>Finite-difference checks of the gradients of the operations the models and losses use (float64).</summary>
public sealed class NnGradientTests
{
    [Fact]
    public void MatMul_BatchedAgainstAMatrix() => Check(t => t[0].MatMul(t[1]), Input(40, [2, 3, 4]), Input(41, [4, 2]));

    [Fact]
    public void Bmm() => Check(t => t[0].Bmm(t[1]), Input(42, [2, 2, 3]), Input(43, [2, 3, 2]));

    [Fact]
    public void Outer() => Check(t => t[0].Outer(t[1]), Input(44, [3]), Input(45, [2]));

    [Fact]
    public void Linear_InputWeightAndBias() => Check(t => Functional.Linear(t[0], t[1], t[2]), Input(46, [2, 3, 4]), Input(47, [5, 4]), Input(48, [5]));

    [Fact]
    public void Linear_WithoutBias() => Check(t => Functional.Linear(t[0], t[1]), Input(49, [3, 4]), Input(50, [2, 4]));

    [Fact]
    public void AddMm_BiasAndBothFactors() => Check(t => Functional.AddMm(t[0], t[1], t[2]), Input(51, [3]), Input(52, [2, 4]), Input(53, [4, 3]));

    [Fact]
    public void Embedding_WeightGradientAccumulatesRepeatedIds() =>
        Check(t =>
        {
            using var ids = Tensor.FromArray([1L, 3L, 1L, 0L, 1L, 2L], 2, 3).DetachFromScope();
            return Functional.Embedding(t[0], ids);
        }, Input(54, [5, 3]));

    [Fact]
    public void LayerNorm_InputWeightAndBias() =>
        Check(t => Functional.LayerNorm(t[0], t[1], t[2], 1e-5), Input(55, [2, 3, 4], -2, 2), Input(56, [4], 0.5, 1.5), Input(57, [4]));

    [Fact]
    public void RmsNorm_InputAndWeight() => Check(t => Functional.RmsNorm(t[0], t[1], 1e-6), Input(58, [2, 3, 4], -2, 2), Input(59, [4], 0.5, 1.5));

    [Fact]
    public void CrossEntropy_WithIgnoredTargets() =>
        Check(t =>
        {
            using var targets = Tensor.FromArray([2L, -100L, 0L, 3L, -100L], 5).DetachFromScope();
            return Functional.CrossEntropy(t[0], targets);
        }, Input(60, [5, 4], -2, 2));

    [Fact]
    public void CrossEntropy_SumWithLabelSmoothing() =>
        Check(t =>
        {
            using var targets = Tensor.FromArray([1L, 0L, -100L], 3).DetachFromScope();
            return Functional.CrossEntropy(t[0], targets, reduction: Reduction.Sum, labelSmoothing: 0.1);
        }, Input(61, [3, 4], -2, 2));

    [Fact]
    public void KlDiv_LogTarget_InputAndTarget() =>
        Check(t => Functional.KlDiv(t[0], t[1], Reduction.None, logTarget: true), Input(62, [2, 3], -3, 0), Input(63, [2, 3], -3, 0));

    [Fact]
    public void KlDiv_ProbabilityTarget_InputAndTarget() =>
        Check(t => Functional.KlDiv(t[0], t[1], Reduction.Mean), Input(64, [2, 3], -3, 0), Input(65, [2, 3], 0.1, 1));

    [Fact]
    public void KlDiv_OfLogSoftmaxes_AsTheDistillationLossUsesIt() =>
        Check(t => Functional.KlDiv(t[0].LogSoftmax(-1), t[1].LogSoftmax(-1), Reduction.Sum, logTarget: true), Input(66, [2, 5], -2, 2), Input(67, [2, 5], -2, 2));

    [Fact]
    public void MseLoss_BothInputs() => Check(t => Functional.MseLoss(t[0], t[1]), Input(68, [2, 3]), Input(69, [2, 3]));

    [Fact]
    public void MseLoss_None() => Check(t => Functional.MseLoss(t[0], t[1], Reduction.None), Input(70, [4]), Input(71, [4]));

    [Fact]
    public void Attention_Causal_QueryKeyValue() =>
        Check(t => Functional.Attention(t[0], t[1], t[2]), Input(72, [1, 2, 3, 2]), Input(73, [1, 2, 3, 2]), Input(74, [1, 2, 3, 2]));

    [Fact]
    public void Attention_GroupedQueryHeads() =>
        Check(t => Functional.Attention(t[0], t[1], t[2]), Input(75, [1, 4, 3, 2]), Input(76, [1, 2, 3, 2]), Input(77, [1, 2, 3, 2]));

    [Fact]
    public void Attention_NonCausalWithKeepMask() =>
        Check(t =>
        {
            using var keep = Tensor.FromArray([true, true, false, true, false, true, true, true, true], 1, 1, 3, 3).DetachFromScope();
            return Functional.Attention(t[0], t[1], t[2], causal: false, mask: keep);
        }, Input(78, [1, 2, 3, 2]), Input(79, [1, 2, 3, 2]), Input(80, [1, 2, 3, 2]));

    [Fact]
    public void Attention_AdditiveMaskGetsAGradientToo() =>
        Check(t => Functional.Attention(t[0], t[1], t[2], mask: t[3]), Input(81, [1, 1, 3, 2]), Input(82, [1, 1, 3, 2]), Input(83, [1, 1, 3, 2]), Input(84, [1, 1, 3, 3]));

    [Fact]
    public void AttentionWithWeights_OutputAndWeights() =>
        Check(t =>
        {
            var (output, weights) = Functional.AttentionWithWeights(t[0], t[1], t[2]);
            return Tensor.Cat([output.Flatten(), weights.Flatten()]);
        }, Input(85, [1, 4, 3, 2]), Input(86, [1, 2, 3, 2]), Input(87, [1, 2, 3, 2]));

    [Fact]
    public void Dropout_GradientIsTheSameMask() =>
        Check(t =>
        {
            // A fresh generator per evaluation draws the same mask every time.
            using var generator = new Generator(9);
            return Functional.Dropout(t[0], 0.4, training: true, generator);
        }, Input(88, [3, 4]));
}
