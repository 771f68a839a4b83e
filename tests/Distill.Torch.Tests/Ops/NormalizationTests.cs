using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class NormalizationTests
{
    private static double[] LayerNormLonghand(double[] x, int width, double[] weight, double[] bias, double eps)
    {
        var result = new double[x.Length];
        for (var row = 0; row < x.Length / width; row++)
        {
            var values = x.AsSpan(row * width, width);
            var mean = 0.0;
            foreach (var v in values)
            {
                mean += v / width;
            }
            var variance = 0.0;
            foreach (var v in values)
            {
                variance += (v - mean) * (v - mean) / width;
            }
            for (var i = 0; i < width; i++)
            {
                result[row * width + i] = (values[i] - mean) / Math.Sqrt(variance + eps) * weight[i] + bias[i];
            }
        }
        return result;
    }

    /// <summary>Hugging Face LlamaRMSNorm: x32 · rsqrt(mean(x32²) + eps), cast to the input dtype, times weight.</summary>
    private static double[] RmsNormLonghand(double[] x, int width, double[] weight, double eps, Func<double, double> toInputDType)
    {
        var result = new double[x.Length];
        for (var row = 0; row < x.Length / width; row++)
        {
            var values = x.AsSpan(row * width, width);
            var meanSquare = 0.0;
            foreach (var v in values)
            {
                meanSquare += v * v / width;
            }
            var inverse = 1 / Math.Sqrt(meanSquare + eps);
            for (var i = 0; i < width; i++)
            {
                result[row * width + i] = weight[i] * toInputDType(values[i] * inverse);
            }
        }
        return result;
    }

    [Fact]
    public void LayerNorm_MatchesLonghandWithWeightAndBias()
    {
        using var scope = TensorScope.Begin();
        var x = Reference.Values(3 * 5, seed: 10, low: -3, high: 3);
        var weight = Reference.Values(5, seed: 11, low: 0.5, high: 1.5);
        var bias = Reference.Values(5, seed: 12);

        var result = Functional.LayerNorm(Tensor.FromArray(x, 3, 5), Tensor.FromArray(weight), Tensor.FromArray(bias), 1e-5);

        TensorAssert.Close(LayerNormLonghand(x, 5, weight, bias, 1e-5), result, [3, 5], 1e-12);
    }

    [Fact]
    public void LayerNorm_WithoutAffine_NormalisesTheLastDimension()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 14.0], 2, 4);

        var result = Functional.LayerNorm(x, null, null, eps: 0);

        // Row 1: mean 2.5, variance 1.25; row 2: mean 11, variance 3.
        var a = 1 / Math.Sqrt(1.25);
        var b = 1 / Math.Sqrt(3);
        TensorAssert.Close([-1.5 * a, -0.5 * a, 0.5 * a, 1.5 * a, -b, -b, -b, 3 * b], result, [2, 4], 1e-14);
    }

    [Fact]
    public void LayerNormModule_StartsAsPlainNormalisation()
    {
        using var scope = TensorScope.Begin();
        using var norm = new Nn.LayerNorm(4, eps: 1e-5);
        var x = Reference.Values(8, seed: 13);

        var result = norm.Forward(Tensor.FromArray(x.Select(v => (float)v).ToArray(), 2, 4));

        TensorAssert.Close(LayerNormLonghand(x, 4, [1, 1, 1, 1], [0, 0, 0, 0], 1e-5), result, [2, 4], 1e-5);
    }

    [Fact]
    public void RmsNorm_Float32_MatchesLlamaRmsNormLonghand()
    {
        using var scope = TensorScope.Begin();
        var x = Reference.Values(2 * 6, seed: 14, low: -4, high: 4).Select(v => (double)(float)v).ToArray();
        var weight = Reference.Values(6, seed: 15, low: 0.5, high: 2).Select(v => (double)(float)v).ToArray();

        var result = Functional.RmsNorm(Tensor.FromArray(x.Select(v => (float)v).ToArray(), 2, 6), Tensor.FromArray(weight.Select(v => (float)v).ToArray()), 1e-6);

        Assert.Equal(DType.Float32, result.DType);
        TensorAssert.Close(RmsNormLonghand(x, 6, weight, 1e-6, v => v), result, [2, 6], 1e-6);
    }

    [Fact]
    public void RmsNorm_Float64_IsComputedInFloat64()
    {
        using var scope = TensorScope.Begin();
        var x = Reference.Values(3 * 4, seed: 16, low: -2, high: 2);
        var weight = Reference.Values(4, seed: 17, low: 0.5, high: 2);

        var result = Functional.RmsNorm(Tensor.FromArray(x, 3, 4), Tensor.FromArray(weight), 1e-6);

        Assert.Equal(DType.Float64, result.DType);
        TensorAssert.Close(RmsNormLonghand(x, 4, weight, 1e-6, v => v), result, [3, 4], 1e-13);
    }

    [Fact]
    public void RmsNorm_BFloat16Input_CastsBackBeforeTheWeight()
    {
        using var scope = TensorScope.Begin();
        var x = Reference.Values(2 * 4, seed: 18, low: -3, high: 3).Select(v => (double)BFloat16Bits.ToSingle(BFloat16Bits.FromSingle((float)v))).ToArray();
        double[] weight = [0.3, 1.7, -0.9, 2.2];
        var input = Tensor.FromArray(x.Select(v => (float)v).ToArray(), 2, 4).To(DType.BFloat16);

        var result = Functional.RmsNorm(input, Tensor.FromArray(weight.Select(v => (float)v).ToArray()), 1e-6);

        // bf16 activations times an fp32 weight promote to fp32, after the normalised values were rounded to bf16.
        Assert.Equal(DType.Float32, result.DType);
        var expected = RmsNormLonghand(x, 4, weight.Select(w => (double)(float)w).ToArray(), 1e-6, v => BFloat16Bits.ToSingle(BFloat16Bits.FromSingle((float)v)));
        TensorAssert.Close(expected, result, [2, 4], 1e-6);
    }

    [Fact]
    public void RmsNorm_WithoutWeight_HasUnitRootMeanSquare()
    {
        using var scope = TensorScope.Begin();

        var result = Functional.RmsNorm(Tensor.FromArray([3.0, 4.0], 1, 2), null, eps: 0);

        var rms = Math.Sqrt(12.5);
        TensorAssert.Close([3 / rms, 4 / rms], result, [1, 2], 1e-15);
    }

    [Fact]
    public void Dropout_ZeroProbabilityOrEval_IsTheIdentity()
    {
        using var scope = TensorScope.Begin();
        var values = Reference.Values(50, seed: 19);
        var x = Tensor.FromArray(values);

        TensorAssert.Close(values, Functional.Dropout(x, 0, training: true), 0);
        TensorAssert.Close(values, Functional.Dropout(x, 0.5, training: false), 0);
    }

    [Fact]
    public void Dropout_Training_ZeroesSomeAndScalesTheRestByOneOverKeep()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(20);
        var values = Reference.Values(2000, seed: 21, low: 1, high: 2);

        var result = TensorAssert.Values(Functional.Dropout(Tensor.FromArray(values), 0.25, training: true, generator));

        var dropped = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (result[i] == 0)
            {
                dropped++;
            }
            else
            {
                Assert.Equal(values[i] / 0.75, result[i], 12);
            }
        }
        Assert.InRange(dropped, 420, 580);
    }

    [Fact]
    public void Dropout_ProbabilityOne_ZeroesEverything()
    {
        using var scope = TensorScope.Begin();

        var result = Functional.Dropout(Tensor.Ones([10]), 1, training: true);

        TensorAssert.Equal(new double[10], result, 10);
    }

    [Fact]
    public void Dropout_SeededGenerators_AreReproducible()
    {
        using var scope = TensorScope.Begin();
        using var first = new Generator(22);
        using var second = new Generator(22);
        using var other = new Generator(23);
        var x = Tensor.Ones([200]);

        var a = TensorAssert.Values(Functional.Dropout(x, 0.5, true, first));
        var b = TensorAssert.Values(Functional.Dropout(x, 0.5, true, second));
        var c = TensorAssert.Values(Functional.Dropout(x, 0.5, true, other));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Dropout_ProbabilityOutOfRange_Throws()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Functional.Dropout(Tensor.Ones([2]), 1.5, true));

        Assert.Contains("dropout probability must be in [0, 1]", error.Message, StringComparison.Ordinal);
    }
}
