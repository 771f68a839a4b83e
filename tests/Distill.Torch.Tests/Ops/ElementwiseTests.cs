using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class ElementwiseTests
{
    [Fact]
    public void Arithmetic_BroadcastsRowAgainstColumn()
    {
        using var scope = TensorScope.Begin();
        var column = Tensor.FromArray([1.0, 2.0], 2, 1);
        var row = Tensor.FromArray([10.0, 20.0, 30.0], 1, 3);

        TensorAssert.Equal([11, 21, 31, 12, 22, 32], column + row, 2, 3);
        TensorAssert.Equal([-9, -19, -29, -8, -18, -28], column - row, 2, 3);
        TensorAssert.Equal([10, 20, 30, 20, 40, 60], column * row, 2, 3);
        TensorAssert.Close([0.1, 0.05, 1 / 30.0, 0.2, 0.1, 2 / 30.0], column / row, [2, 3], 1e-15);
        TensorAssert.Equal([11, 21, 31, 12, 22, 32], column.Add(row), 2, 3);
        TensorAssert.Equal([10, 20, 30, 20, 40, 60], row.Mul(column), 2, 3);
    }

    [Fact]
    public void Add_WithAlpha_ScalesTheOther()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1.0, 2.0]);
        var b = Tensor.FromArray([10.0, 20.0]);

        TensorAssert.Equal([-4, -8], a.Add(b, -0.5), 2);
        TensorAssert.Equal([-9, -18], a.Sub(b), 2);
        TensorAssert.Equal([0.1, 0.1], a.Div(b), 2);
    }

    [Fact]
    public void ScalarOperators_BothSides()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 2.0, 4.0]);

        TensorAssert.Equal([3, 4, 6], x + 2, 3);
        TensorAssert.Equal([3, 4, 6], 2 + x, 3);
        TensorAssert.Equal([-1, 0, 2], x - 2, 3);
        TensorAssert.Equal([1, 0, -2], 2 - x, 3);
        TensorAssert.Equal([3, 6, 12], x * 3, 3);
        TensorAssert.Equal([3, 6, 12], 3 * x, 3);
        TensorAssert.Equal([0.5, 1, 2], x / 2, 3);
        TensorAssert.Equal([8, 4, 2], 8 / x, 3);
        TensorAssert.Equal([-1, -2, -4], -x, 3);
        TensorAssert.Equal([1, 2, 1], x % 3, 3);
        // Remainder takes the divisor's sign, as Python's %.
        TensorAssert.Equal([2, 0, 1], Tensor.FromArray([-1.0, -3.0, 7.0]).Remainder(3), 3);
    }

    [Fact]
    public void ScalarOperators_IntegerTensorsKeepTheirDType_FractionsPromote()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1L, 2L, 3L]);

        var shifted = x + 2;
        var reversed = 10 - x;
        var halved = x * 0.5;

        Assert.Equal(DType.Int64, shifted.DType);
        TensorAssert.Equal([3, 4, 5], shifted, 3);
        Assert.Equal(DType.Int64, reversed.DType);
        TensorAssert.Equal([9, 8, 7], reversed, 3);
        Assert.Equal(DType.Float32, halved.DType);
        TensorAssert.Equal([0.5, 1, 1.5], halved, 3);
        // True division of integers gives floats, as in PyTorch.
        TensorAssert.Equal([6, 3, 2], 6 / x, 3);
        Assert.True((6 / x).DType.IsFloatingPoint());
    }

    [Fact]
    public void Pow_TensorAndScalarExponents()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([2.0, 3.0, 4.0]);

        TensorAssert.Equal([4, 9, 16], x.Pow(2), 3);
        TensorAssert.Close([Math.Sqrt(2), Math.Sqrt(3), 2], x.Pow(0.5), 1e-15);
        TensorAssert.Equal([2, 9, 64], x.Pow(Tensor.FromArray([1.0, 2.0, 3.0])), 3);
    }

    [Fact]
    public void UnaryMath_MatchesLonghand()
    {
        using var scope = TensorScope.Begin();
        double[] values = [-2.5, -0.7, 0.3, 1.1, 3.0];
        var x = Tensor.FromArray(values);

        TensorAssert.Close(values.Select(Math.Exp).ToArray(), x.Exp(), 1e-15);
        TensorAssert.Close(values.Select(Math.Tanh).ToArray(), x.Tanh(), 1e-15);
        TensorAssert.Close(values.Select(Reference.Sigmoid).ToArray(), x.Sigmoid(), 1e-15);
        TensorAssert.Close(values.Select(v => Math.Max(v, 0)).ToArray(), x.Relu(), 0);
        TensorAssert.Close(values.Select(Reference.Silu).ToArray(), x.Silu(), 1e-15);
        TensorAssert.Close(values.Select(Reference.GeluExact).ToArray(), x.Gelu(), 1e-12);
        TensorAssert.Close(values.Select(Reference.GeluTanh).ToArray(), x.Gelu(tanhApproximation: true), 1e-12);
        TensorAssert.Close(values.Select(Math.Abs).ToArray(), x.Abs(), 0);
        TensorAssert.Close(values.Select(v => v * v).ToArray(), x.Square(), 1e-15);
        TensorAssert.Close(values.Select(Math.Sin).ToArray(), x.Sin(), 1e-15);
        TensorAssert.Close(values.Select(Math.Cos).ToArray(), x.Cos(), 1e-15);
        TensorAssert.Close(values.Select(v => 1 / v).ToArray(), x.Reciprocal(), 1e-15);
        TensorAssert.Close(values.Select(v => (double)Math.Sign(v)).ToArray(), x.Sign(), 0);
        TensorAssert.Close(values.Select(Math.Floor).ToArray(), x.Floor(), 0);
        TensorAssert.Close(values.Select(Math.Ceiling).ToArray(), x.Ceil(), 0);
        TensorAssert.Close(values.Select(v => Math.Round(v, MidpointRounding.ToEven)).ToArray(), x.Round(), 0);
    }

    [Fact]
    public void Gelu_ExactAndTanh_MatchPyTorch()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([-1.5, 0.3, 2.0]);

        // torch.nn.functional.gelu(x) and gelu(x, approximate='tanh') in float64
        TensorAssert.Close([-0.10021080190328704, 0.1853734266566858, 1.9544997361036416], x.Gelu(), 1e-14);
        TensorAssert.Close([-0.10042842301976707, 0.18537092354275922, 1.954597694087775], x.Gelu(true), 1e-14);
    }

    [Fact]
    public void PositiveDomainMath_MatchesLonghand()
    {
        using var scope = TensorScope.Begin();
        double[] values = [0.25, 1.0, 2.0, 9.0];
        var x = Tensor.FromArray(values);

        TensorAssert.Close(values.Select(v => Math.Log(v)).ToArray(), x.Log(), 1e-15);
        TensorAssert.Close(values.Select(Math.Sqrt).ToArray(), x.Sqrt(), 1e-15);
        TensorAssert.Close(values.Select(v => 1 / Math.Sqrt(v)).ToArray(), x.Rsqrt(), 1e-15);
        TensorAssert.Close(values.Select(v => Math.Log(1 + v)).ToArray(), x.Log1p(), 1e-15);
        TensorAssert.Close(values.Select(v => Math.Exp(v) - 1).ToArray(), x.Expm1(), 1e-14);
    }

    [Fact]
    public void Float32Activations_MatchLonghandInFloat32Precision()
    {
        using var scope = TensorScope.Begin();
        double[] values = [-3, -1, -0.2, 0, 0.5, 2];
        var x = Tensor.FromArray(values.Select(v => (float)v).ToArray());

        Assert.Equal(DType.Float32, x.Gelu().DType);
        TensorAssert.Close(values.Select(Reference.GeluExact).ToArray(), x.Gelu(), 1e-6);
        TensorAssert.Close(values.Select(Reference.GeluTanh).ToArray(), x.Gelu(true), 1e-6);
        TensorAssert.Close(values.Select(Reference.Silu).ToArray(), x.Silu(), 1e-6);
        TensorAssert.Close(values.Select(Reference.Sigmoid).ToArray(), x.Sigmoid(), 1e-6);
    }

    [Fact]
    public void NanAndFinitenessTests()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, double.NaN, double.PositiveInfinity, -2.0]);

        TensorAssert.Equal([0, 1, 0, 0], x.IsNan(), 4);
        TensorAssert.Equal([1, 0, 0, 1], x.IsFinite(), 4);
        Assert.Equal(DType.Bool, x.IsNan().DType);
    }

    [Fact]
    public void Comparisons_TensorAndScalar_GiveBoolTensors()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1f, 2f, 3f]);
        var b = Tensor.FromArray([3f, 2f, 1f]);

        TensorAssert.Equal([0, 1, 0], a.Eq(b), 3);
        TensorAssert.Equal([1, 0, 1], a.Ne(b), 3);
        TensorAssert.Equal([1, 0, 0], a.Lt(b), 3);
        TensorAssert.Equal([1, 1, 0], a.Le(b), 3);
        TensorAssert.Equal([0, 0, 1], a.Gt(b), 3);
        TensorAssert.Equal([0, 1, 1], a.Ge(b), 3);
        TensorAssert.Equal([0, 1, 0], a.Eq(2), 3);
        TensorAssert.Equal([1, 0, 1], a.Ne(2), 3);
        TensorAssert.Equal([1, 0, 0], a.Lt(2), 3);
        TensorAssert.Equal([1, 1, 0], a.Le(2), 3);
        TensorAssert.Equal([0, 0, 1], a.Gt(2), 3);
        TensorAssert.Equal([0, 1, 1], a.Ge(2), 3);
        Assert.Equal(DType.Bool, a.Lt(2).DType);
    }

    [Fact]
    public void Logic_AndOrNot()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([true, true, false, false]);
        var b = Tensor.FromArray([true, false, true, false]);

        TensorAssert.Equal([1, 0, 0, 0], a.LogicalAnd(b), 4);
        TensorAssert.Equal([1, 1, 1, 0], a.LogicalOr(b), 4);
        TensorAssert.Equal([0, 0, 1, 1], a.LogicalNot(), 4);
    }

    [Fact]
    public void MaximumMinimum_Broadcast()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1.0, 5.0, -2.0, 0.0], 2, 2);
        var b = Tensor.FromArray([0.0, 3.0]);

        TensorAssert.Equal([1, 5, 0, 3], a.Maximum(b), 2, 2);
        TensorAssert.Equal([0, 3, -2, 0], a.Minimum(b), 2, 2);
    }

    [Fact]
    public void MaskedFill_WritesWhereTheMaskHolds()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var mask = Tensor.FromArray([false, true]);

        TensorAssert.Equal([1, -1, 3, -1], x.MaskedFill(mask, -1), 2, 2);
        Assert.True(double.IsNegativeInfinity(TensorAssert.Values(x.MaskedFill(mask, double.NegativeInfinity))[1]));
        TensorAssert.Equal([1, 2, 3, 4], x, 2, 2);
    }

    [Fact]
    public void Where_PicksPerElementWithBroadcasting()
    {
        using var scope = TensorScope.Begin();
        var condition = Tensor.FromArray([true, false, true]);
        var a = Tensor.FromArray([1.0, 2.0, 3.0]);
        var b = Tensor.FromArray([-1.0], 1);

        TensorAssert.Equal([1, -1, 3], Tensor.Where(condition, a, b), 3);
    }

    [Fact]
    public void Clamp_BothBoundsOrOne()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([-3.0, -0.5, 0.5, 3.0]);

        TensorAssert.Equal([-1, -0.5, 0.5, 1], x.Clamp(-1, 1), 4);
        TensorAssert.Equal([0, 0, 0.5, 3], x.ClampMin(0), 4);
        TensorAssert.Equal([-3, -0.5, 0, 0], x.ClampMax(0), 4);
    }

    [Fact]
    public void Lerp_InterpolatesTowardsTheEnd()
    {
        using var scope = TensorScope.Begin();
        var start = Tensor.FromArray([0.0, 10.0]);
        var end = Tensor.FromArray([4.0, 20.0]);

        TensorAssert.Equal([1, 12.5], start.Lerp(end, 0.25), 2);
    }

    [Fact]
    public void InPlaceOps_ChangeTheTensorItself()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 2.0]);
        var other = Tensor.FromArray([10.0, 20.0]);

        x.AddInPlace(other).MulInPlace(2).SubInPlace(Tensor.FromArray([2.0, 4.0])).DivInPlace(4).AddInPlace(1);
        TensorAssert.Equal([6, 11], x, 2);

        x.MulInPlace(other);
        TensorAssert.Equal([60, 220], x, 2);
        x.Fill(3);
        TensorAssert.Equal([3, 3], x, 2);
        x.CopyFrom(Tensor.FromArray([7f], 1));
        TensorAssert.Equal([7, 7], x, 2);
        Assert.Equal(DType.Float64, x.DType);
        x.Zero();
        TensorAssert.Equal([0, 0], x, 2);
    }
}
