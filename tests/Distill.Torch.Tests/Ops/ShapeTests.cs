using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class ShapeTests
{
    // [[0, 1, 2], [3, 4, 5]]
    private static Tensor Matrix() => Tensor.Arange(6, DType.Float32).View(2, 3);

    [Fact]
    public void ViewAndReshape_KeepRowMajorOrder()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Arange(12, DType.Float32);

        var view = x.View(3, -1);
        var reshaped = x.Reshape(2, 2, 3);

        TensorAssert.Equal(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), view, 3, 4);
        Assert.True(view.SharesStorageWith(x));
        Assert.Equal([2L, 2, 3], reshaped.Shape);
        // Reshape of a non-contiguous tensor copies; View refuses.
        var transposed = view.T;
        TensorAssert.Equal([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], transposed.Reshape(12), 12);
        Assert.Throws<TorchException>(() => transposed.View(12));
    }

    [Fact]
    public void Expand_BroadcastsWithoutCopying()
    {
        using var scope = TensorScope.Begin();
        var column = Tensor.FromArray([1f, 2f], 2, 1);

        var expanded = column.Expand(2, 3);

        TensorAssert.Equal([1, 1, 1, 2, 2, 2], expanded, 2, 3);
        Assert.True(expanded.SharesStorageWith(column));
        TensorAssert.Equal([1, 1, 2, 2], column.Expand(-1, 2), 2, 2);
    }

    [Fact]
    public void TransposeAndPermute_ReorderDimensions()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Arange(24, DType.Float32).View(2, 3, 4);

        var transposed = x.Transpose(0, 2);
        var permuted = x.Permute(2, 0, 1);

        Assert.Equal([4L, 3, 2], transposed.Shape);
        Assert.Equal([4L, 2, 3], permuted.Shape);
        // transposed[k, j, i] = x[i, j, k] = 12i + 4j + k; permuted[k, i, j] = x[i, j, k].
        Assert.Equal(12 + 8 + 3, transposed.Select(0, 3).Select(0, 2).Select(0, 1).ToDouble());
        Assert.Equal(12 + 8 + 3, permuted.Select(0, 3).Select(0, 1).Select(0, 2).ToDouble());
        TensorAssert.Equal([0, 3, 1, 4, 2, 5], Matrix().T, 3, 2);
    }

    [Fact]
    public void Contiguous_CopiesAStridedView()
    {
        using var scope = TensorScope.Begin();
        var transposed = Matrix().T;

        var contiguous = transposed.Contiguous();

        Assert.False(transposed.IsContiguous);
        Assert.True(contiguous.IsContiguous);
        Assert.False(contiguous.SharesStorageWith(transposed));
        TensorAssert.Equal([0, 3, 1, 4, 2, 5], contiguous.View(6), 6);
    }

    [Fact]
    public void NarrowSliceSelect_TakeParts()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Arange(10, DType.Float32);
        var m = Matrix();

        TensorAssert.Equal([2, 3, 4], x.Narrow(0, 2, 3), 3);
        TensorAssert.Equal([1, 4, 7], x.Slice(0, 1, 8, 3), 3);
        TensorAssert.Equal([1, 2, 4, 5], m.Slice(1, 1, 3), 2, 2);
        TensorAssert.Equal([3, 4, 5], m.Select(0, 1), 3);
        TensorAssert.Equal([2, 5], m.Select(1, -1), 2);
        TensorAssert.Equal([1, 4], m.Narrow(-1, 1, 1), 2, 1);
    }

    [Fact]
    public void SqueezeUnsqueezeFlatten_ChangeOnlyTheShape()
    {
        using var scope = TensorScope.Begin();
        var m = Matrix();

        Assert.Equal([1L, 2, 3], m.Unsqueeze(0).Shape);
        Assert.Equal([2L, 3, 1], m.Unsqueeze(-1).Shape);
        Assert.Equal([2L, 3], m.Unsqueeze(1).Squeeze(1).Shape);
        Assert.Equal([2L, 3], m.Squeeze(0).Shape);
        var cube = Tensor.Arange(24, DType.Float32).View(2, 3, 4);
        Assert.Equal([24L], cube.Flatten().Shape);
        Assert.Equal([6L, 4], cube.Flatten(0, 1).Shape);
        TensorAssert.Equal(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), cube.Flatten(1), 2, 12);
    }

    [Fact]
    public void Split_LastPieceMayBeSmaller()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Arange(7, DType.Float32);

        var pieces = x.Split(3);

        Assert.Equal(3, pieces.Length);
        TensorAssert.Equal([0, 1, 2], pieces[0], 3);
        TensorAssert.Equal([3, 4, 5], pieces[1], 3);
        TensorAssert.Equal([6], pieces[2], 1);
        var columns = Matrix().Split(2, dim: 1);
        TensorAssert.Equal([0, 1, 3, 4], columns[0], 2, 2);
        TensorAssert.Equal([2, 5], columns[1], 2, 1);
    }

    [Fact]
    public void Chunk_SplitsIntoAtMostNPieces()
    {
        using var scope = TensorScope.Begin();

        var chunks = Tensor.Arange(6, DType.Float32).Chunk(3);
        var fewer = Tensor.Arange(2, DType.Float32).Chunk(4);
        var columns = Matrix().Chunk(3, dim: -1);

        Assert.Equal(3, chunks.Length);
        TensorAssert.Equal([4, 5], chunks[2], 2);
        Assert.Equal(2, fewer.Length);
        TensorAssert.Equal([1], fewer[1], 1);
        TensorAssert.Equal([2, 5], columns[2], 2, 1);
    }

    [Fact]
    public void RepeatInterleave_RepeatsEachSliceInPlace()
    {
        using var scope = TensorScope.Begin();
        var m = Matrix();

        TensorAssert.Equal([0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], m.RepeatInterleave(2, 0), 4, 3);
        TensorAssert.Equal([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], m.RepeatInterleave(2, 1), 2, 6);
    }

    [Fact]
    public void Flip_ReversesTheGivenDimensions()
    {
        using var scope = TensorScope.Begin();
        var m = Matrix();

        TensorAssert.Equal([2, 1, 0, 5, 4, 3], m.Flip(1), 2, 3);
        TensorAssert.Equal([5, 4, 3, 2, 1, 0], m.Flip(0, 1), 2, 3);
    }

    [Fact]
    public void TriuTril_KeepOneTriangle()
    {
        using var scope = TensorScope.Begin();
        var ones = Tensor.Ones([3, 3]);

        TensorAssert.Equal([1, 1, 1, 0, 1, 1, 0, 0, 1], ones.Triu(), 3, 3);
        TensorAssert.Equal([0, 1, 1, 0, 0, 1, 0, 0, 0], ones.Triu(1), 3, 3);
        TensorAssert.Equal([1, 0, 0, 1, 1, 0, 1, 1, 1], ones.Tril(), 3, 3);
        TensorAssert.Equal([0, 0, 0, 1, 0, 0, 1, 1, 0], ones.Tril(-1), 3, 3);
    }

    [Fact]
    public void SizeAndRank_ReportTheShape()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Zeros([2, 3, 5]);

        Assert.Equal(3, x.Rank);
        Assert.Equal(5, x.Size(-1));
        Assert.Equal(2, x.Size(0));
        Assert.Equal(30, x.NumElements);
        Assert.Equal(120, x.ByteCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Size(3));
    }
}
