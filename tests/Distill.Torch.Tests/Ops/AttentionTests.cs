using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class AttentionTests
{
    private const int Batch = 2;
    private const int Dim = 4;

    private static (double[] Q, double[] K, double[] V) Inputs(int heads, int kvHeads, int target, int source) =>
        (Reference.Values(Batch * heads * target * Dim, seed: 30, low: -2, high: 2),
         Reference.Values(Batch * kvHeads * source * Dim, seed: 31, low: -2, high: 2),
         Reference.Values(Batch * kvHeads * source * Dim, seed: 32, low: -2, high: 2));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Attention_MatchesLonghandComposition(bool causal)
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(2, 2, 5, 5);

        var output = Functional.Attention(Tensor.FromArray(q, Batch, 2, 5, Dim), Tensor.FromArray(k, Batch, 2, 5, Dim), Tensor.FromArray(v, Batch, 2, 5, Dim), causal);

        var expected = Reference.Attention(q, k, v, Batch, 2, 2, 5, 5, Dim, causal);
        TensorAssert.Close(expected.Output, output, [Batch, 2, 5, Dim], 1e-13);
    }

    [Fact]
    public void Attention_Causal_FirstPositionCopiesTheFirstValue()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(1, 1, 3, 3);

        var output = TensorAssert.Values(Functional.Attention(Tensor.FromArray(q, Batch, 1, 3, Dim), Tensor.FromArray(k, Batch, 1, 3, Dim), Tensor.FromArray(v, Batch, 1, 3, Dim)));

        TensorAssert.Close(v[..Dim], output[..Dim], 1e-15);
    }

    [Fact]
    public void Attention_GroupedQueryHeads_ShareKeyValueHeadsInOrder()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(4, 2, 4, 4);

        var output = Functional.Attention(Tensor.FromArray(q, Batch, 4, 4, Dim), Tensor.FromArray(k, Batch, 2, 4, Dim), Tensor.FromArray(v, Batch, 2, 4, Dim));

        var expected = Reference.Attention(q, k, v, Batch, 4, 2, 4, 4, Dim, causal: true);
        TensorAssert.Close(expected.Output, output, [Batch, 4, 4, Dim], 1e-13);
    }

    [Fact]
    public void Attention_FewerQueriesThanKeys_CausalAlignsToTheEnd()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(2, 1, 2, 5);

        var output = Functional.Attention(Tensor.FromArray(q, Batch, 2, 2, Dim), Tensor.FromArray(k, Batch, 1, 5, Dim), Tensor.FromArray(v, Batch, 1, 5, Dim));

        var expected = Reference.Attention(q, k, v, Batch, 2, 1, 2, 5, Dim, causal: true);
        TensorAssert.Close(expected.Output, output, [Batch, 2, 2, Dim], 1e-13);
    }

    [Fact]
    public void Attention_PaddingKeepMask_HidesPaddedKeys()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(2, 2, 4, 4);
        // Batch 0 has all four tokens; batch 1 has its first token padded (left padding), hidden from every query,
        // except that the padded query itself still sees one key so its row is defined.
        var keep = new bool[Batch * 4 * 4];
        for (var t = 0; t < 4; t++)
        {
            for (var s = 0; s < 4; s++)
            {
                keep[t * 4 + s] = true;
                keep[16 + t * 4 + s] = s > 0 || t == 0;
            }
        }

        var output = Functional.Attention(Tensor.FromArray(q, Batch, 2, 4, Dim), Tensor.FromArray(k, Batch, 2, 4, Dim), Tensor.FromArray(v, Batch, 2, 4, Dim),
            causal: true, mask: Tensor.FromArray(keep, Batch, 1, 4, 4));

        var expected = Reference.Attention(q, k, v, Batch, 2, 2, 4, 4, Dim, causal: true, keep: keep);
        TensorAssert.Close(expected.Output, output, [Batch, 2, 4, Dim], 1e-13);
        var withoutMask = Reference.Attention(q, k, v, Batch, 2, 2, 4, 4, Dim, causal: true);
        Assert.NotEqual(withoutMask.Output[^1], TensorAssert.Values(output)[^1], 6);
    }

    [Fact]
    public void Attention_AdditiveMask_IsAddedToTheScores()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(2, 2, 3, 3);
        var additive = Reference.Values(Batch * 3 * 3, seed: 33, low: -3, high: 1);

        var output = Functional.Attention(Tensor.FromArray(q, Batch, 2, 3, Dim), Tensor.FromArray(k, Batch, 2, 3, Dim), Tensor.FromArray(v, Batch, 2, 3, Dim),
            causal: false, mask: Tensor.FromArray(additive, Batch, 1, 3, 3));

        var expected = Reference.Attention(q, k, v, Batch, 2, 2, 3, 3, Dim, causal: false, additive: additive);
        TensorAssert.Close(expected.Output, output, [Batch, 2, 3, Dim], 1e-13);
    }

    [Fact]
    public void Attention_ExplicitScale_ReplacesOneOverRootD()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(1, 1, 3, 3);
        // Scaling q by 2 with the default scale equals an explicit scale of 2/√D.
        var doubled = q.Select(x => 2 * x).ToArray();

        var output = Functional.Attention(Tensor.FromArray(q, Batch, 1, 3, Dim), Tensor.FromArray(k, Batch, 1, 3, Dim), Tensor.FromArray(v, Batch, 1, 3, Dim), scale: 2 / Math.Sqrt(Dim));

        TensorAssert.Close(Reference.Attention(doubled, k, v, Batch, 1, 1, 3, 3, Dim, causal: true).Output, output, 1e-13);
    }

    [Fact]
    public void AttentionWithWeights_EqualsThePlainPathAndReturnsTheProbabilities()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(4, 2, 3, 3);
        var qt = Tensor.FromArray(q, Batch, 4, 3, Dim);
        var kt = Tensor.FromArray(k, Batch, 2, 3, Dim);
        var vt = Tensor.FromArray(v, Batch, 2, 3, Dim);

        var plain = Functional.Attention(qt, kt, vt);
        var (output, weights) = Functional.AttentionWithWeights(qt, kt, vt);

        TensorAssert.Close(TensorAssert.Values(plain), output, 1e-15);
        var expected = Reference.Attention(q, k, v, Batch, 4, 2, 3, 3, Dim, causal: true);
        TensorAssert.Close(expected.Weights, weights, [Batch, 4, 3, 3], 1e-13);
        // Causal: the first query attends only to the first key.
        Assert.Equal(1, TensorAssert.Values(weights)[0], 15);
    }

    [Fact]
    public void Attention_Float32_MatchesLonghandToFloatPrecision()
    {
        using var scope = TensorScope.Begin();
        var (q, k, v) = Inputs(2, 1, 3, 3);
        Tensor F(double[] x, params long[] shape) => Tensor.FromArray(x.Select(e => (float)e).ToArray(), shape);

        var output = Functional.Attention(F(q, Batch, 2, 3, Dim), F(k, Batch, 1, 3, Dim), F(v, Batch, 1, 3, Dim));

        Assert.Equal(DType.Float32, output.DType);
        TensorAssert.Close(Reference.Attention(q, k, v, Batch, 2, 1, 3, 3, Dim, causal: true).Output, output, 1e-5);
    }

    [Fact]
    public void Attention_Dropout_IsSeededAndScalesTheKeptProbabilities()
    {
        using var scope = TensorScope.Begin();
        using var first = new Generator(40);
        using var second = new Generator(40);
        var (q, k, v) = Inputs(2, 2, 4, 4);
        var qt = Tensor.FromArray(q, Batch, 2, 4, Dim);
        var kt = Tensor.FromArray(k, Batch, 2, 4, Dim);
        var vt = Tensor.FromArray(v, Batch, 2, 4, Dim);

        var a = TensorAssert.Values(Functional.Attention(qt, kt, vt, dropout: 0.5, generator: first));
        var b = TensorAssert.Values(Functional.Attention(qt, kt, vt, dropout: 0.5, generator: second));
        var none = TensorAssert.Values(Functional.Attention(qt, kt, vt, dropout: 0));
        // With a value tensor of ones every output is the sum of the kept probabilities / (1 − p): 0, 2 or 4, ...
        var ones = TensorAssert.Values(Functional.Attention(qt, kt, Tensor.Ones([Batch, 2, 4, Dim], DType.Float64), causal: false, dropout: 0.5, generator: first));

        Assert.Equal(a, b);
        Assert.NotEqual(a, none);
        TensorAssert.Close(Reference.Attention(q, k, v, Batch, 2, 2, 4, 4, Dim, causal: true).Output, none, 1e-13);
        Assert.All(ones, o => Assert.InRange(o, 0, 2 + 1e-12));
        Assert.Contains(ones, o => o == 0 || o > 1);
    }

    [Fact]
    public void Attention_HeadsNotAMultipleOfKeyValueHeads_Throws()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Functional.Attention(Tensor.Zeros([1, 3, 2, 4]), Tensor.Zeros([1, 2, 2, 4]), Tensor.Zeros([1, 2, 2, 4])));

        Assert.Contains("3 query heads cannot share 2 key/value heads", error.Message, StringComparison.Ordinal);
    }
}
