using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class IndexingTests
{
    [Fact]
    public void Gather_PicksPerRowIndices()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([10.0, 11.0, 12.0, 20.0, 21.0, 22.0], 2, 3);
        var index = Tensor.FromArray([2L, 0L, 1L, 1L], 2, 2);

        TensorAssert.Equal([12, 10, 21, 21], x.Gather(1, index), 2, 2);
        TensorAssert.Equal([20, 11, 22], x.Gather(0, Tensor.FromArray([1L, 0L, 1L], 1, 3)), 1, 3);
    }

    [Fact]
    public void Scatter_WritesAtIndices_ScatterAdd_Accumulates()
    {
        using var scope = TensorScope.Begin();
        var zeros = Tensor.Zeros([2, 4], DType.Float64);
        var index = Tensor.FromArray([1L, 3L, 1L, 0L, 0L, 2L], 2, 3);
        var source = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);

        var added = zeros.ScatterAdd(1, index, source);
        var written = zeros.Scatter(1, Tensor.FromArray([1L, 3L, 0L, 2L], 2, 2), Tensor.FromArray([1.0, 2.0, 4.0, 6.0], 2, 2));

        TensorAssert.Equal([0, 4, 0, 2, 9, 0, 6, 0], added, 2, 4);
        TensorAssert.Equal([0, 1, 0, 2, 4, 0, 6, 0], written, 2, 4);
        TensorAssert.Equal([0, 0, 0, 0, 0, 0, 0, 0], zeros, 2, 4);
    }

    [Fact]
    public void IndexSelect_PicksRowsOrColumns()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1, 2, 3, 4, 5, 6], 3, 2);

        TensorAssert.Equal([5, 6, 1, 2, 5, 6], x.IndexSelect(0, Tensor.FromArray([2L, 0L, 2L])), 3, 2);
        TensorAssert.Equal([2, 4, 6], x.IndexSelect(1, Tensor.FromArray([1L])), 3, 1);
        Assert.Equal(DType.Int32, x.IndexSelect(0, Tensor.FromArray([0L])).DType);
    }

    [Fact]
    public void MaskedSelect_FlattensTheSelectedElements()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var mask = Tensor.FromArray([true, false, true], 1, 3);

        TensorAssert.Equal([1, 3, 4, 6], x.MaskedSelect(mask), 4);
    }

    [Fact]
    public void NonZero_GivesCoordinatesPerRow()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([0, 7, 0, 0, 0, 3], 2, 3);

        TensorAssert.Equal([0, 1, 1, 2], x.NonZero(), 2, 2);
    }

    [Fact]
    public void Embedding_LooksUpRowsForAnyIdShape()
    {
        using var scope = TensorScope.Begin();
        var weight = Tensor.FromArray([0.0, 0.5, 1.0, 1.5, 2.0, 2.5], 3, 2);
        var ids = Tensor.FromArray([2L, 0L, 1L, 2L], 2, 2);

        TensorAssert.Equal([2, 2.5, 0, 0.5, 1, 1.5, 2, 2.5], Functional.Embedding(weight, ids), 2, 2, 2);
        TensorAssert.Equal([1, 1.5], Functional.Embedding(weight, Tensor.FromArray([1], 1)), 1, 2);
    }
}
