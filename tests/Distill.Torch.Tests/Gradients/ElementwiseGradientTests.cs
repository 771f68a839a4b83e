using Distill.Torch.Tests.Support;
using static Distill.Torch.Tests.Support.GradCheck;

namespace Distill.Torch.Tests.Gradients;

/// <summary>Finite-difference checks of the elementwise, reduction and shape operations' gradients (float64).</summary>
public sealed class ElementwiseGradientTests
{
    private static readonly long[] s_shape = [2, 3];

    [Fact]
    public void AddSubMulDiv_Broadcasting() =>
        Check(t => (t[0] + t[1]) * t[0] - t[1] / t[2] + t[0].Add(t[2], -0.5) - t[0].Sub(t[1]).Mul(t[2]).Div(t[0] + 3),
            Input(1, s_shape), Input(2, [3]), Input(3, [2, 1], 0.5, 2));

    [Fact]
    public void ScalarOperators_BothSides() =>
        Check(t => 2 - t[0] * 3 + (1.5 / t[0]) + t[0] / 4 - 0.5 + (4 + t[0]), Input(4, s_shape, 0.5, 2));

    [Fact]
    public void Pow_TensorAndScalarExponents() =>
        Check(t => t[0].Pow(t[1]) + t[0].Pow(3) + t[0].Pow(0.5), Input(5, s_shape, 0.5, 2), Input(6, s_shape, -1, 2));

    [Fact]
    public void Neg() => Check(t => -t[0] * t[0], Input(7, s_shape));

    [Fact]
    public void Exp() => Check(t => t[0].Exp(), Input(8, s_shape));

    [Fact]
    public void Log() => Check(t => t[0].Log(), Input(9, s_shape, 0.3, 3));

    [Fact]
    public void Sqrt() => Check(t => t[0].Sqrt(), Input(10, s_shape, 0.3, 3));

    [Fact]
    public void Rsqrt() => Check(t => t[0].Rsqrt(), Input(11, s_shape, 0.3, 3));

    [Fact]
    public void Tanh() => Check(t => t[0].Tanh(), Input(12, s_shape, -2, 2));

    [Fact]
    public void Sigmoid() => Check(t => t[0].Sigmoid(), Input(13, s_shape, -3, 3));

    [Fact]
    public void Silu() => Check(t => t[0].Silu(), Input(14, s_shape, -3, 3));

    [Fact]
    public void GeluExact() => Check(t => t[0].Gelu(), Input(15, s_shape, -3, 3));

    [Fact]
    public void GeluTanh() => Check(t => t[0].Gelu(tanhApproximation: true), Input(16, s_shape, -3, 3));

    [Fact]
    public void Square() => Check(t => t[0].Square(), Input(17, s_shape));

    [Fact]
    public void Clamp_InsideAndOutsideTheBounds() => Check(t => t[0].Clamp(-0.5, 0.5) + t[0].ClampMin(0.2) * 2, Input(18, [4, 3]));

    [Fact]
    public void Maximum_Minimum() => Check(t => t[0].Maximum(t[1]) + 2 * t[0].Minimum(t[1]), Input(19, [4, 3]), Input(20, [4, 3]));

    [Fact]
    public void Sum_AllAndAlongDims() =>
        Check(t => Tensor.Stack([t[0].Sum(), t[0].Sum(0).Sum(), t[0].Sum(-1, keepDim: true).Square().Sum()]), Input(21, [2, 3, 2]));

    [Fact]
    public void Mean_AllAndAlongDims() =>
        Check(t => Tensor.Cat([t[0].Mean().Unsqueeze(0), t[0].Mean(1).Square().Flatten(), t[0].Mean([0, 2], keepDim: true).Flatten()]), Input(22, [2, 3, 2]));

    [Fact]
    public void LogSumExp() => Check(t => t[0].LogSumExp(-1), Input(23, [3, 4], -3, 3));

    [Fact]
    public void Softmax() => Check(t => t[0].Softmax(-1), Input(24, [3, 4], -3, 3));

    [Fact]
    public void LogSoftmax() => Check(t => t[0].LogSoftmax(0), Input(25, [3, 4], -3, 3));

    [Fact]
    public void Gather() =>
        Check(t =>
        {
            using var index = Tensor.FromArray([2L, 0L, 2L, 1L, 1L, 3L], 3, 2).DetachFromScope();
            return t[0].Gather(1, index);
        }, Input(26, [3, 4]));

    [Fact]
    public void MaskedFill() =>
        Check(t =>
        {
            using var mask = Tensor.FromArray([true, false, false, true, false, true], 2, 3).DetachFromScope();
            return t[0].MaskedFill(mask, -2) * t[0];
        }, Input(27, s_shape));

    [Fact]
    public void Where() =>
        Check(t =>
        {
            using var condition = Tensor.FromArray([true, false, true], 3).DetachFromScope();
            return Tensor.Where(condition, t[0], t[1]);
        }, Input(28, s_shape), Input(29, [2, 1]));

    [Fact]
    public void CatAndStack() =>
        Check(t => Tensor.Cat([t[0], t[1]], 1) * Tensor.Stack([t[0].Sum(1), t[1].Sum(1)], 1).Sum(1, keepDim: true),
            Input(30, s_shape), Input(31, [2, 2]));

    [Fact]
    public void ViewReshapeTransposePermute() =>
        Check(t => t[0].View(3, 4).T.Reshape(2, 6) * t[0].Permute(2, 0, 1).Reshape(2, 6).Transpose(0, 1).Contiguous().View(2, 6),
            Input(32, [2, 3, 2]));

    [Fact]
    public void NarrowSliceSelect() =>
        Check(t => t[0].Narrow(1, 1, 2) * t[0].Slice(1, 0, 4, 2) + t[0].Select(0, 1).Unsqueeze(0).Narrow(1, 0, 2),
            Input(33, [2, 4]));

    [Fact]
    public void Expand() => Check(t => t[0].Expand(3, 4) * t[1].Expand(3, -1), Input(34, [3, 1]), Input(35, [1, 4]));

    [Fact]
    public void SqueezeUnsqueezeFlattenRepeatInterleaveFlip() =>
        Check(t => t[0].Unsqueeze(1).Squeeze(1).Flatten().RepeatInterleave(2, 0) * t[0].Flip(0, 1).Flatten().RepeatInterleave(2, 0).Flip(0),
            Input(36, s_shape));

    [Fact]
    public void CumSumAndNorm() => Check(t => t[0].CumSum(1) * t[0].Norm(1, keepDim: true), Input(37, s_shape));
}
