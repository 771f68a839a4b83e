namespace Distill.Torch.Tests.Support;

/// <summary>
/// Compares autograd's gradient with central finite differences, in float64. The function's output is reduced to
/// the scalar Σ out·w with fixed pseudo-random weights w (so every output element matters and errors cannot cancel);
/// each input element is perturbed by ±<see cref="Step"/> and the numerical derivative (f(x+h) − f(x−h)) / 2h must
/// match the analytical one within <see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/>·|numerical|.
/// </summary>
internal static class GradCheck
{
    public const double Step = 1e-6;
    public const double AbsoluteTolerance = 1e-6;
    public const double RelativeTolerance = 1e-5;

    /// <summary>
    /// Checks the gradient of <paramref name="function"/> with respect to every input. Inputs are given as float64
    /// values and shapes; the function receives fresh leaf tensors and must produce a float64 tensor.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> function, params (double[] Values, long[] Shape)[] inputs)
    {
        ArgumentNullException.ThrowIfNull(function);
        using var scope = TensorScope.Begin();
        var analytical = Analytical(function, inputs, out var outputShape);
        var weights = Reference.Values((int)Tensor.CountElements(outputShape), seed: 1234, low: 0.5, high: 1.5);
        for (var i = 0; i < inputs.Length; i++)
        {
            var values = (double[])inputs[i].Values.Clone();
            for (var j = 0; j < values.Length; j++)
            {
                var original = values[j];
                values[j] = original + Step;
                var plus = Evaluate(function, inputs, i, values, weights);
                values[j] = original - Step;
                var minus = Evaluate(function, inputs, i, values, weights);
                values[j] = original;
                var numerical = (plus - minus) / (2 * Step);
                var error = Math.Abs(analytical[i][j] - numerical);
                Assert.True(error <= AbsoluteTolerance + RelativeTolerance * Math.Abs(numerical),
                    $"input {i}, element {j}: autograd gives {analytical[i][j]:R} but finite differences give {numerical:R}");
            }
        }
    }

    private static double[][] Analytical(Func<Tensor[], Tensor> function, (double[] Values, long[] Shape)[] inputs, out long[] outputShape)
    {
        var leaves = inputs.Select(input =>
        {
            var leaf = Tensor.FromArray(input.Values, input.Shape);
            leaf.RequiresGrad = true;
            return leaf;
        }).ToArray();
        var output = function(leaves);
        Assert.Equal(DType.Float64, output.DType);
        Assert.True(output.RequiresGrad, "the output does not depend on any input through autograd");
        outputShape = output.Shape;
        var weights = Reference.Values((int)output.NumElements, seed: 1234, low: 0.5, high: 1.5);
        (output * Tensor.FromArray(weights, outputShape)).Sum().Backward();
        return leaves.Select((leaf, i) =>
        {
            var grad = leaf.Grad;
            Assert.True(grad is not null, $"input {i} received no gradient");
            Assert.Equal(DType.Float64, grad.DType);
            return grad.ToArray<double>();
        }).ToArray();
    }

    private static double Evaluate(Func<Tensor[], Tensor> function, (double[] Values, long[] Shape)[] inputs, int perturbed,
        double[] perturbedValues, double[] weights)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        var tensors = inputs.Select((input, i) => Tensor.FromArray(i == perturbed ? perturbedValues : input.Values, input.Shape)).ToArray();
        var output = function(tensors);
        return (output * Tensor.FromArray(weights, output.Shape)).Sum().ToDouble();
    }

    /// <summary>An input of the given shape filled with reproducible values in [low, high).</summary>
    public static (double[] Values, long[] Shape) Input(int seed, long[] shape, double low = -1, double high = 1) =>
        (Reference.Values((int)Tensor.CountElements(shape), seed, low, high), shape);
}
