using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class CreationTests
{
    [Fact]
    public void ZerosOnesFull_GiveShapeDTypeAndValue()
    {
        using var scope = TensorScope.Begin();

        var zeros = Tensor.Zeros([2, 3]);
        var ones = Tensor.Ones([4], DType.Int32);
        var full = Tensor.Full([2, 1, 2], 2.5, DType.Float64);

        TensorAssert.Equal([0, 0, 0, 0, 0, 0], zeros, 2, 3);
        Assert.Equal(DType.Float32, zeros.DType);
        TensorAssert.Equal([1, 1, 1, 1], ones, 4);
        Assert.Equal(DType.Int32, ones.DType);
        TensorAssert.Equal([2.5, 2.5, 2.5, 2.5], full, 2, 1, 2);
        Assert.Equal(DType.Float64, full.DType);
        Assert.Equal(Device.Cpu, full.Device);
    }

    [Fact]
    public void Scalar_IsZeroDimensional()
    {
        using var scope = TensorScope.Begin();

        var scalar = Tensor.Scalar(-7.25, DType.Float64);

        Assert.Equal(0, scalar.Rank);
        Assert.Equal(1, scalar.NumElements);
        Assert.Equal(-7.25, scalar.ToDouble());
    }

    [Fact]
    public void LikeCreators_CopyShapeDTypeAndDevice()
    {
        using var scope = TensorScope.Begin();
        var source = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2);

        var zeros = source.ZerosLike();
        var full = source.FullLike(4);

        TensorAssert.Equal([0, 0, 0, 0, 0, 0], zeros, 3, 2);
        TensorAssert.Equal([1, 1, 1, 1, 1, 1], source.OnesLike(), 3, 2);
        TensorAssert.Equal([4, 4, 4, 4, 4, 4], full, 3, 2);
        Assert.Equal(DType.Float64, full.DType);
    }

    [Fact]
    public void Arange_IntegerAndFractionalSteps()
    {
        using var scope = TensorScope.Begin();

        var integers = Tensor.Arange(5);
        var stepped = Tensor.Arange(1, 2, 0.25, DType.Float32);
        var descending = Tensor.Arange(3, -3, -2, DType.Int32);

        TensorAssert.Equal([0, 1, 2, 3, 4], integers, 5);
        Assert.Equal(DType.Int64, integers.DType);
        TensorAssert.Equal([1, 1.25, 1.5, 1.75], stepped, 4);
        TensorAssert.Equal([3, 1, -1], descending, 3);
    }

    [Fact]
    public void Randn_SeededGenerator_MatchesPyTorchStream()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(42);

        // torch.randn(4, generator=torch.Generator().manual_seed(42), dtype=torch.float64)
        var values = Tensor.Randn([4], generator, dtype: DType.Float64);

        TensorAssert.Close([0.33669035438385886, 0.1288094051365897, 0.23446236336153173, 0.2303330279146119], values, 1e-15);
    }

    [Fact]
    public void RandRandInt_SeededGenerator_MatchPyTorchStream()
    {
        using var scope = TensorScope.Begin();
        using var uniformGenerator = new Generator(42);
        using var integerGenerator = new Generator(42);

        // torch.rand(4, generator=..., dtype=torch.float64) and torch.randint(0, 10, (6,), generator=...) with seed 42
        var uniform = Tensor.Rand([4], uniformGenerator, dtype: DType.Float64);
        var integers = Tensor.RandInt(0, 10, [6], integerGenerator);

        TensorAssert.Close([0.05815448596142969, 0.06291016742457756, 0.12358607277440903, 0.05258016436107704], uniform, 1e-15);
        TensorAssert.Equal([2, 7, 6, 4, 6, 5], integers, 6);
        Assert.Equal(DType.Int64, integers.DType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Random_SameSeed_SameValues_DifferentSeed_DifferentValues(int kind)
    {
        using var scope = TensorScope.Begin();
        using var first = new Generator(7);
        using var second = new Generator(7);
        using var other = new Generator(8);

        Tensor Draw(Generator g) => kind switch
        {
            0 => Tensor.Randn([64], g),
            1 => Tensor.Rand([64], g, low: -2, high: 3),
            _ => Tensor.RandInt(-5, 5, [64], g),
        };

        var a = TensorAssert.Values(Draw(first));
        var b = TensorAssert.Values(Draw(second));
        var c = TensorAssert.Values(Draw(other));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void RandAndRandInt_StayInTheirRanges()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(3);

        var uniform = TensorAssert.Values(Tensor.Rand([1000], generator, low: -2, high: 3));
        var integers = TensorAssert.Values(Tensor.RandInt(-5, 5, [1000], generator));

        Assert.All(uniform, v => Assert.InRange(v, -2, 3 - 1e-7));
        Assert.All(integers, v => Assert.InRange(v, -5, 4));
        Assert.Contains(-5.0, integers);
        Assert.Contains(4.0, integers);
    }

    [Fact]
    public void Randn_MeanAndStd_AreApplied()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(11);

        var values = Tensor.Randn([20000], generator, mean: 3, std: 0.5, dtype: DType.Float64);

        Assert.InRange(values.Mean().ToDouble(), 2.98, 3.02);
        Assert.InRange(values.Std(0).ToDouble(), 0.49, 0.51);
    }

    [Fact]
    public void GeneratorState_SaveAndRestore_ReproducesTheStream()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(5);
        _ = Tensor.Randn([10], generator);

        var state = generator.GetState();
        var first = TensorAssert.Values(Tensor.Randn([16], generator));
        var next = TensorAssert.Values(Tensor.Randn([16], generator));
        generator.SetState(state);
        var replay = TensorAssert.Values(Tensor.Randn([16], generator));

        Assert.Equal(first, replay);
        Assert.NotEqual(first, next);
    }

    [Fact]
    public void GeneratorState_MovedToAnotherGenerator_ContinuesItsStream()
    {
        using var scope = TensorScope.Begin();
        using var source = new Generator(5);
        using var target = new Generator(99);
        _ = Tensor.Rand([3], source);

        target.SetState(source.GetState());

        Assert.Equal(TensorAssert.Values(Tensor.RandInt(0, 1000, [8], source)), TensorAssert.Values(Tensor.RandInt(0, 1000, [8], target)));
    }

    [Fact]
    public void Bernoulli_SeededProbabilities_DrawZerosAndOnesReproducibly()
    {
        using var scope = TensorScope.Begin();
        using var first = new Generator(1);
        using var second = new Generator(1);
        var probs = Tensor.FromArray([0.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);

        var a = TensorAssert.Values(probs.Bernoulli(first));
        var b = TensorAssert.Values(probs.Bernoulli(second));

        Assert.Equal(a, b);
        Assert.Equal(0, a[0]);
        Assert.Equal(1, a[1]);
        Assert.All(a, v => Assert.True(v is 0 or 1));
    }

    [Fact]
    public void Multinomial_ZeroProbabilityClassesAreNeverDrawn()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(2);
        var probs = Tensor.FromArray([0f, 3f, 0f, 1f]);

        var samples = TensorAssert.Values(probs.Multinomial(200, replacement: true, generator));

        Assert.All(samples, s => Assert.True(s is 1 or 3));
        Assert.InRange(samples.Count(s => s == 1), 120, 180);
    }

    [Fact]
    public void Cat_JoinsAlongADimension()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var b = Tensor.FromArray([5f, 6f], 2, 1);

        TensorAssert.Equal([1, 2, 5, 3, 4, 6], Tensor.Cat([a, b], 1), 2, 3);
        TensorAssert.Equal([1, 2, 3, 4, 1, 2, 3, 4], Tensor.Cat([a, a]), 4, 2);
    }

    [Fact]
    public void Stack_AddsANewDimension()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1f, 2f]);
        var b = Tensor.FromArray([3f, 4f]);

        TensorAssert.Equal([1, 2, 3, 4], Tensor.Stack([a, b]), 2, 2);
        TensorAssert.Equal([1, 3, 2, 4], Tensor.Stack([a, b], 1), 2, 2);
    }
}
