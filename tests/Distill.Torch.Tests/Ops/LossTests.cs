using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class LossTests
{
    private static readonly double[] s_logits = [2.0, 0.5, -1.0, 0.0, 1.0, 3.0, -0.5, 0.25, 0.75, 1.5, 1.5, 1.5];
    private static readonly long[] s_targets = [0, -100, 1, 2];

    private static double RowLoss(int row, long target)
    {
        var values = s_logits.AsSpan(row * 3, 3);
        return Reference.LogSumExp(values) - values[(int)target];
    }

    [Fact]
    public void CrossEntropy_IgnoredTargets_MeanIsOverTheOthers()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray(s_logits, 4, 3);
        var targets = Tensor.FromArray(s_targets);

        var mean = Functional.CrossEntropy(logits, targets);
        var sum = Functional.CrossEntropy(logits, targets, reduction: Reduction.Sum);
        var none = Functional.CrossEntropy(logits, targets, reduction: Reduction.None);

        double[] perRow = [RowLoss(0, 0), 0, RowLoss(2, 1), RowLoss(3, 2)];
        TensorAssert.Close(perRow.Sum() / 3, mean, 1e-14);
        TensorAssert.Close(perRow.Sum(), sum, 1e-14);
        TensorAssert.Close(perRow, none, [4], 1e-14);
    }

    [Fact]
    public void CrossEntropy_CustomIgnoreIndex()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray(s_logits, 4, 3);

        var loss = Functional.CrossEntropy(logits, Tensor.FromArray([0L, 2L, 1L, 2L]), ignoreIndex: 2);

        TensorAssert.Close((RowLoss(0, 0) + RowLoss(2, 1)) / 2, loss, 1e-14);
    }

    [Fact]
    public void CrossEntropy_LabelSmoothing_MixesInTheUniformTarget()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray(s_logits[..6], 2, 3);

        var loss = Functional.CrossEntropy(logits, Tensor.FromArray([0L, 2L]), labelSmoothing: 0.3);

        // (1 − ε)·NLL + ε·mean over classes of −log p.
        double Smoothed(int row, int target)
        {
            var values = s_logits.AsSpan(row * 3, 3);
            var lse = Reference.LogSumExp(values);
            var uniform = (3 * lse - values[0] - values[1] - values[2]) / 3;
            return 0.7 * (lse - values[target]) + 0.3 * uniform;
        }
        TensorAssert.Close((Smoothed(0, 0) + Smoothed(1, 2)) / 2, loss, 1e-14);
    }

    [Fact]
    public void CrossEntropy_Float32Logits_MatchLonghand()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.FromArray(s_logits.Select(v => (float)v).ToArray(), 4, 3);

        var loss = Functional.CrossEntropy(logits, Tensor.FromArray(s_targets));

        Assert.Equal(DType.Float32, loss.DType);
        TensorAssert.Close((RowLoss(0, 0) + RowLoss(2, 1) + RowLoss(3, 2)) / 3, loss, 1e-6);
    }

    [Fact]
    public void KlDiv_ProbabilityTarget_EveryReduction()
    {
        using var scope = TensorScope.Begin();
        double[] logQ = [Math.Log(0.2), Math.Log(0.3), Math.Log(0.5), Math.Log(0.6), Math.Log(0.3), Math.Log(0.1)];
        double[] p = [0.1, 0.6, 0.3, 0.25, 0.25, 0.5];
        var input = Tensor.FromArray(logQ, 2, 3);
        var target = Tensor.FromArray(p, 2, 3);

        var pointwise = p.Select((pi, i) => pi * (Math.Log(pi) - logQ[i])).ToArray();
        TensorAssert.Close(pointwise, Functional.KlDiv(input, target, Reduction.None), [2, 3], 1e-14);
        TensorAssert.Close(pointwise.Sum(), Functional.KlDiv(input, target), 1e-14);
        // Mean averages over every element, the class dimension included.
        TensorAssert.Close(pointwise.Sum() / 6, Functional.KlDiv(input, target, Reduction.Mean), 1e-14);
    }

    [Fact]
    public void KlDiv_LogTarget_EqualsTheProbabilityForm()
    {
        using var scope = TensorScope.Begin();
        double[] logQ = [Math.Log(0.2), Math.Log(0.3), Math.Log(0.5)];
        double[] logP = [Math.Log(0.7), Math.Log(0.1), Math.Log(0.2)];
        var input = Tensor.FromArray(logQ, 1, 3);

        var fromLog = Functional.KlDiv(input, Tensor.FromArray(logP, 1, 3), Reduction.None, logTarget: true);
        var fromProbabilities = Functional.KlDiv(input, Tensor.FromArray(logP.Select(Math.Exp).ToArray(), 1, 3), Reduction.None);

        var expected = logP.Select((lp, i) => Math.Exp(lp) * (lp - logQ[i])).ToArray();
        TensorAssert.Close(expected, fromLog, [1, 3], 1e-14);
        TensorAssert.Close(expected, fromProbabilities, [1, 3], 1e-14);
        TensorAssert.Close(expected.Sum(), Functional.KlDiv(input, Tensor.FromArray(logP, 1, 3), Reduction.Sum, logTarget: true), 1e-14);
    }

    [Fact]
    public void KlDiv_SameDistribution_IsZero()
    {
        using var scope = TensorScope.Begin();
        var logP = Tensor.FromArray([-2.0, 0.5, 1.0]).LogSoftmax(0);

        TensorAssert.Close(0, Functional.KlDiv(logP, logP, logTarget: true), 1e-15);
    }

    [Fact]
    public void MseLoss_EveryReduction()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1.0, 2.0, 3.0, 4.0], 2, 2);
        var b = Tensor.FromArray([0.0, 2.0, 5.0, 1.0], 2, 2);

        TensorAssert.Close(14 / 4.0, Functional.MseLoss(a, b), 1e-15);
        TensorAssert.Close(14, Functional.MseLoss(a, b, Reduction.Sum), 1e-15);
        TensorAssert.Equal([1, 0, 4, 9], Functional.MseLoss(a, b, Reduction.None), 2, 2);
    }
}
