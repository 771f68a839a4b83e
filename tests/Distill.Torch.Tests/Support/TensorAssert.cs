namespace Distill.Torch.Tests.Support;

/// <summary>Assertions on tensor contents, read back as doubles.</summary>
internal static class TensorAssert
{
    /// <summary>The elements of <paramref name="tensor"/> (any dtype) as doubles, in row-major order.</summary>
    public static double[] Values(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var asDouble = tensor.To(DType.Float64).DetachFromScope();
        return asDouble.ToArray<double>();
    }

    /// <summary>Asserts the shape and that every element is within <paramref name="tolerance"/> (absolute plus relative).</summary>
    public static void Close(double[] expected, Tensor actual, long[] shape, double tolerance = 1e-6)
    {
        Assert.Equal(shape, actual.Shape);
        Close(expected, Values(actual), tolerance);
    }

    /// <summary>Asserts every element is within <paramref name="tolerance"/> (absolute plus relative).</summary>
    public static void Close(double[] expected, Tensor actual, double tolerance = 1e-6) => Close(expected, Values(actual), tolerance);

    public static void Close(double[] expected, double[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var ok = double.IsNaN(expected[i])
                ? double.IsNaN(actual[i])
                : expected[i] == actual[i] || Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i]));
            Assert.True(ok, $"element {i}: expected {expected[i]:R} but got {actual[i]:R} (tolerance {tolerance}); " +
                $"expected [{string.Join(", ", expected)}], actual [{string.Join(", ", actual)}]");
        }
    }

    public static void Close(double expected, Tensor actual, double tolerance = 1e-6)
    {
        Assert.Equal(1, actual.NumElements);
        Close([expected], Values(actual), tolerance);
    }

    /// <summary>Asserts the shape and the exact elements (integers, booleans, exactly representable values).</summary>
    public static void Equal(double[] expected, Tensor actual, params long[] shape)
    {
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(expected, Values(actual));
    }
}
