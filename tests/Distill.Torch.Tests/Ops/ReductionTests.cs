using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class ReductionTests
{
    // [[1, 2, 3], [4, 5, 6]]
    private static Tensor Matrix() => Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);

    [Fact]
    public void Sum_AllDimsAndKeepDim()
    {
        using var scope = TensorScope.Begin();
        var x = Matrix();

        Assert.Equal(21, x.Sum().ToDouble());
        Assert.Equal(0, x.Sum().Rank);
        TensorAssert.Equal([5, 7, 9], x.Sum(0), 3);
        TensorAssert.Equal([6, 15], x.Sum(1), 2);
        TensorAssert.Equal([6, 15], x.Sum(-1, keepDim: true), 2, 1);
        TensorAssert.Equal([21], x.Sum([0, 1], keepDim: true), 1, 1);
    }

    [Fact]
    public void Sum_WithDType_AccumulatesInTheRequestedType()
    {
        using var scope = TensorScope.Begin();
        var bytes = Tensor.FromArray([(byte)200, (byte)100, (byte)50]);

        var total = bytes.Sum(DType.Int64);
        var halfSum = Tensor.FromArray([(Half)1000, (Half)0.25]).Sum(dtype: DType.Float32);

        Assert.Equal(DType.Int64, total.DType);
        Assert.Equal(350, total.ToInt64());
        Assert.Equal(DType.Float32, halfSum.DType);
        Assert.Equal(1000.25, halfSum.ToDouble());
    }

    [Fact]
    public void Mean_AllDimsAndKeepDim()
    {
        using var scope = TensorScope.Begin();
        var x = Matrix();

        Assert.Equal(3.5, x.Mean().ToDouble());
        TensorAssert.Equal([2.5, 3.5, 4.5], x.Mean(0), 3);
        TensorAssert.Equal([2, 5], x.Mean(1, keepDim: true), 2, 1);
        TensorAssert.Equal([3.5], x.Mean([0, 1], keepDim: true), 1, 1);
        Assert.Equal(DType.Float64, Tensor.FromArray([1f, 2f]).Mean(0, dtype: DType.Float64).DType);
    }

    [Fact]
    public void AMaxAMin_AlongDimsAndOverall()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([3.0, -1.0, 7.0, 0.0, 5.0, -4.0], 2, 3);

        Assert.Equal(7, x.Max().ToDouble());
        Assert.Equal(-4, x.Min().ToDouble());
        TensorAssert.Equal([3, 5, 7], x.AMax(0), 3);
        TensorAssert.Equal([-1, -4], x.AMin(1, keepDim: true), 2, 1);
    }

    [Fact]
    public void LogSumExp_MatchesLonghandAndIsStableForLargeValues()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 2.0, 3.0, 1000.0, 1001.0, 1002.0], 2, 3);

        var result = x.LogSumExp(1);

        TensorAssert.Close([Reference.LogSumExp([1, 2, 3]), 1000 + Reference.LogSumExp([0, 1, 2])], result, [2], 1e-14);
        TensorAssert.Close([Reference.LogSumExp([1, 2, 3]), 1000 + Reference.LogSumExp([0, 1, 2])], x.LogSumExp(-1, keepDim: true), [2, 1], 1e-14);
    }

    [Fact]
    public void Norm_IsTheEuclideanLength()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([3.0, 4.0, 0.0, 12.0, 5.0, 0.0], 2, 3);

        Assert.Equal(Math.Sqrt(9 + 16 + 144 + 25), x.Norm().ToDouble(), 12);
        TensorAssert.Close([5, 13], x.Norm(1), [2], 1e-15);
        TensorAssert.Close([5, 13], x.Norm(-1, keepDim: true), [2, 1], 1e-15);
    }

    [Fact]
    public void VarStd_ArePopulationStatistics()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 2, 4);

        // Rows [2 4 4 4] (mean 3.5, var 0.75) and [5 5 7 9] (mean 6.5, var 2.75).
        TensorAssert.Close([0.75, 2.75], x.Var(1), [2], 1e-15);
        TensorAssert.Close([Math.Sqrt(0.75), Math.Sqrt(2.75)], x.Std(1, keepDim: true), [2, 1], 1e-15);
    }

    [Fact]
    public void AnyAll_OverallAndAlongADimension()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([true, false, false, true, true, false], 2, 3);
        var numbers = Tensor.FromArray([0.0, 0.0, 2.0]);

        Assert.True(x.Any().ToBoolean());
        Assert.False(x.All().ToBoolean());
        TensorAssert.Equal([1, 1, 0], x.Any(0), 3);
        TensorAssert.Equal([1, 0, 0], x.All(0), 3);
        TensorAssert.Equal([1, 1], x.Any(1, keepDim: true), 2, 1);
        Assert.True(numbers.Any().ToBoolean());
        Assert.False(numbers.All().ToBoolean());
        TensorAssert.Equal([1], numbers.Any(0, keepDim: true), 1);
    }

    [Fact]
    public void Prod_OverallAndAlongADimension()
    {
        using var scope = TensorScope.Begin();
        var x = Matrix();

        Assert.Equal(720, x.Prod().ToDouble());
        TensorAssert.Equal([4, 10, 18], x.Prod(0), 3);
        TensorAssert.Equal([6, 120], x.Prod(1, keepDim: true), 2, 1);
    }

    [Fact]
    public void CumSum_RunsAlongTheDimension()
    {
        using var scope = TensorScope.Begin();
        var x = Matrix();

        TensorAssert.Equal([1, 3, 6, 4, 9, 15], x.CumSum(1), 2, 3);
        TensorAssert.Equal([1, 2, 3, 5, 7, 9], x.CumSum(0), 2, 3);
    }

    [Fact]
    public void Softmax_RowsSumToOneAndMatchLonghand()
    {
        using var scope = TensorScope.Begin();
        double[] values = [1, 2, 3, 0.5, -1, 4];
        var x = Tensor.FromArray(values, 2, 3);

        var expected = Reference.Softmax(values.AsSpan(0, 3)).Concat(Reference.Softmax(values.AsSpan(3, 3))).ToArray();
        TensorAssert.Close(expected, x.Softmax(-1), [2, 3], 1e-15);
        TensorAssert.Close(expected.Select(v => Math.Log(v)).ToArray(), x.LogSoftmax(1), [2, 3], 1e-14);
        var columns = Reference.Softmax([1, 0.5]).Concat(Reference.Softmax([2, -1])).Concat(Reference.Softmax([3, 4])).ToArray();
        TensorAssert.Close([columns[0], columns[2], columns[4], columns[1], columns[3], columns[5]], x.Softmax(0), 1e-15);
    }

    [Fact]
    public void LogSoftmax_HugeLogits_StaysFinite()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1000f, 0f, -1000f]);

        TensorAssert.Close([0, -1000, -2000], Functional.LogSoftmax(x, 0), 1e-6);
    }

    [Fact]
    public void SoftmaxAndLogSoftmax_WithDType_UpcastHalfPrecision()
    {
        using var scope = TensorScope.Begin();
        float[] values = [1.5f, -0.25f, 3f, 0.125f];
        var x = Tensor.FromArray(values.Select(v => (Half)v).ToArray());

        var probs = x.Softmax(0, DType.Float32);
        var logProbs = Functional.LogSoftmax(x, 0, DType.Float32);

        Assert.Equal(DType.Float32, probs.DType);
        Assert.Equal(DType.Float32, logProbs.DType);
        Assert.Equal(DType.BFloat16, x.To(DType.BFloat16).Softmax(0).DType);
        Assert.Equal(DType.Float32, x.To(DType.BFloat16).LogSoftmax(0, DType.Float32).DType);
        var expected = Reference.Softmax(values.Select(v => (double)v).ToArray());
        TensorAssert.Close(expected, probs, 1e-6);
        TensorAssert.Close(expected.Select(v => Math.Log(v)).ToArray(), logProbs, 1e-6);
    }

    [Fact]
    public void TopK_LargestAndSmallestWithIndices()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 9.0, 3.0, 7.0, 5.0, 2.0, 8.0, 4.0], 2, 4);

        var (values, indices) = x.TopK(2);
        var (small, smallIndices) = x.TopK(1, dim: 1, largest: false);

        TensorAssert.Equal([9, 7, 8, 5], values, 2, 2);
        TensorAssert.Equal([1, 3, 2, 0], indices, 2, 2);
        Assert.Equal(DType.Int64, indices.DType);
        TensorAssert.Equal([1, 2], small, 2, 1);
        TensorAssert.Equal([0, 1], smallIndices, 2, 1);
    }

    [Fact]
    public void Sort_AscendingDescendingAndStable()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([3.0, 1.0, 2.0, 1.0, 3.0]);

        var (ascending, order) = x.Sort(stable: true);
        var (descending, reverseOrder) = x.Sort(descending: true, stable: true);

        TensorAssert.Equal([1, 1, 2, 3, 3], ascending, 5);
        TensorAssert.Equal([1, 3, 2, 0, 4], order, 5);
        TensorAssert.Equal([3, 3, 2, 1, 1], descending, 5);
        TensorAssert.Equal([0, 4, 2, 1, 3], reverseOrder, 5);
    }

    [Fact]
    public void ArgMaxArgMin_FlattenedAndAlongADimension()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([3.0, -1.0, 7.0, 0.0, 5.0, -4.0], 2, 3);

        Assert.Equal(2, x.ArgMax().ToInt64());
        TensorAssert.Equal([0, 1, 0], x.ArgMax(0), 3);
        TensorAssert.Equal([2, 1], x.ArgMax(1, keepDim: true), 2, 1);
        TensorAssert.Equal([1, 0, 1], x.ArgMin(0), 3);
        TensorAssert.Equal([1, 2], x.ArgMin(-1), 2);
    }

    [Fact]
    public void MaxMin_AlongADimension_ReturnValuesAndIndices()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([3.0, -1.0, 7.0, 0.0, 5.0, -4.0], 2, 3);

        var (max, maxAt) = x.Max(1);
        var (min, minAt) = x.Min(0, keepDim: true);

        TensorAssert.Equal([7, 5], max, 2);
        TensorAssert.Equal([2, 1], maxAt, 2);
        TensorAssert.Equal([0, -1, -4], min, 1, 3);
        TensorAssert.Equal([1, 0, 1], minAt, 1, 3);
    }

    [Fact]
    public void KthValue_IsTheKthSmallest()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 7.0, 8.0], 2, 4);

        var (values, indices) = x.KthValue(2);
        var (third, _) = x.KthValue(3, dim: 1, keepDim: true);

        TensorAssert.Equal([2, 7], values, 2);
        TensorAssert.Equal([3, 2], indices, 2);
        TensorAssert.Equal([4, 8], third, 2, 1);
    }

    [Fact]
    public void Median_EvenCount_IsTheLowerMedian()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([4.0, 1.0, 3.0, 2.0, 10.0, 30.0, 20.0, 40.0], 2, 4);

        var (values, indices) = x.Median(1);

        TensorAssert.Equal([2, 20], values, 2);
        TensorAssert.Equal([3, 2], indices, 2);
        Assert.Equal(4, x.Median().ToDouble());
        Assert.Equal(3, Tensor.FromArray([5.0, 1.0, 3.0]).Median().ToDouble());
    }
}
