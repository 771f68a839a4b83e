using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class LinearAlgebraTests
{
    [Fact]
    public void MatMul_TwoByThreeTimesThreeByTwo()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
        var b = Tensor.FromArray([7.0, 8.0, 9.0, 10.0, 11.0, 12.0], 3, 2);

        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        TensorAssert.Equal([58, 64, 139, 154], a.MatMul(b), 2, 2);
    }

    [Fact]
    public void MatMul_BatchedBroadcastsTheMatrix()
    {
        using var scope = TensorScope.Begin();
        var a = Reference.Values(2 * 3 * 4, seed: 1);
        var b = Reference.Values(4 * 5, seed: 2);

        var result = Tensor.FromArray(a, 2, 3, 4).MatMul(Tensor.FromArray(b, 4, 5));

        var expected = Reference.MatMul(a[..12], b, 3, 4, 5).Concat(Reference.MatMul(a[12..], b, 3, 4, 5)).ToArray();
        TensorAssert.Close(expected, result, [2, 3, 5], 1e-14);
    }

    [Fact]
    public void MatMul_VectorDotVector_IsAScalar()
    {
        using var scope = TensorScope.Begin();

        var dot = Tensor.FromArray([1.0, 2.0, 3.0]).MatMul(Tensor.FromArray([4.0, 5.0, 6.0]));

        Assert.Equal(0, dot.Rank);
        Assert.Equal(32, dot.ToDouble());
    }

    [Fact]
    public void Bmm_MultipliesEachBatch()
    {
        using var scope = TensorScope.Begin();
        var a = Reference.Values(3 * 2 * 4, seed: 3);
        var b = Reference.Values(3 * 4 * 2, seed: 4);

        var result = Tensor.FromArray(a, 3, 2, 4).Bmm(Tensor.FromArray(b, 3, 4, 2));

        var expected = Enumerable.Range(0, 3).SelectMany(i => Reference.MatMul(a[(i * 8)..((i + 1) * 8)], b[(i * 8)..((i + 1) * 8)], 2, 4, 2)).ToArray();
        TensorAssert.Close(expected, result, [3, 2, 2], 1e-14);
    }

    [Fact]
    public void Linear_IsXTimesWeightTransposedPlusBias()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 2.0, 3.0, -1.0, 0.0, 1.0], 2, 3);
        var weight = Tensor.FromArray([1.0, 0.0, 2.0, -1.0, 1.0, 0.5], 2, 3);
        var bias = Tensor.FromArray([0.5, -2.0]);

        // Row 1: [1+0+6, -1+2+1.5] + bias = [7.5, 0.5]; row 2: [-1+0+2, 1+0+0.5] + bias = [1.5, -0.5]
        TensorAssert.Equal([7.5, 0.5, 1.5, -0.5], Functional.Linear(x, weight, bias), 2, 2);
        TensorAssert.Equal([7, 2.5, 1, 1.5], Functional.Linear(x, weight), 2, 2);
    }

    [Fact]
    public void Linear_ThreeDimensionalInput_AppliesToTheLastDimension()
    {
        using var scope = TensorScope.Begin();
        var x = Reference.Values(2 * 3 * 4, seed: 5);
        var w = Reference.Values(5 * 4, seed: 6);

        var result = Functional.Linear(Tensor.FromArray(x, 2, 3, 4), Tensor.FromArray(w, 5, 4));

        var wt = new double[4 * 5];
        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                wt[j * 5 + i] = w[i * 4 + j];
            }
        }
        TensorAssert.Close(Reference.MatMul(x, wt, 6, 4, 5), result, [2, 3, 5], 1e-14);
    }

    [Fact]
    public void AddMm_IsBiasPlusProduct()
    {
        using var scope = TensorScope.Begin();
        var bias = Tensor.FromArray([100.0, 200.0]);
        var a = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
        var b = Tensor.FromArray([7.0, 8.0, 9.0, 10.0, 11.0, 12.0], 3, 2);

        TensorAssert.Equal([158, 264, 239, 354], Functional.AddMm(bias, a, b), 2, 2);
    }

    [Fact]
    public void Outer_IsEveryProduct()
    {
        using var scope = TensorScope.Begin();

        var outer = Tensor.FromArray([1.0, 2.0, 3.0]).Outer(Tensor.FromArray([10.0, -1.0]));

        TensorAssert.Equal([10, -1, 20, -2, 30, -3], outer, 3, 2);
    }
}
