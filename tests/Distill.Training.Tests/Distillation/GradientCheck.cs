using Distill.Torch;

namespace Distill.Training.Tests.Distillation;

/// <summary>Central finite differences in float64 against autograd.</summary>
internal static class GradientCheck
{
    /// <summary>Checks d loss / d x for a float64 input of the given values and shape.</summary>
    public static void Input(double[] values, long[] shape, Func<Tensor, Tensor> loss, double step = 1e-6, double tolerance = 1e-6)
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(values, shape);
        x.RequiresGrad = true;
        loss(x).Backward();
        var analytic = x.Grad!.ToArray<double>();
        for (var i = 0; i < values.Length; i++)
        {
            var plus = (double[])values.Clone();
            var minus = (double[])values.Clone();
            plus[i] += step;
            minus[i] -= step;
            var numeric = (Evaluate(plus, shape, loss) - Evaluate(minus, shape, loss)) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * (1 + Math.Abs(numeric)),
                $"element {i}: autograd {analytic[i]:R} but finite differences {numeric:R}");
        }
    }

    /// <summary>Checks d loss / d parameter for a float64 parameter (a module's), perturbing it in place.</summary>
    public static void Parameter(Tensor parameter, Func<Tensor> loss, double step = 1e-6, double tolerance = 1e-6)
    {
        using var scope = TensorScope.Begin();
        Tensor.ZeroGrad([parameter]);
        loss().Backward();
        var analytic = parameter.Grad!.ToArray<double>();
        var original = parameter.ToArray<double>();
        var shape = parameter.Shape;
        for (var i = 0; i < original.Length; i++)
        {
            var plus = Perturbed(original, i, step);
            var minus = Perturbed(original, i, -step);
            Set(parameter, plus, shape);
            var up = Value(loss);
            Set(parameter, minus, shape);
            var down = Value(loss);
            Set(parameter, original, shape);
            var numeric = (up - down) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * (1 + Math.Abs(numeric)),
                $"element {i}: autograd {analytic[i]:R} but finite differences {numeric:R}");
        }
    }

    private static double Evaluate(double[] values, long[] shape, Func<Tensor, Tensor> loss)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        return loss(Tensor.FromArray(values, shape)).ToDouble();
    }

    private static double Value(Func<Tensor> loss)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        return loss().ToDouble();
    }

    private static double[] Perturbed(double[] values, int index, double step)
    {
        var copy = (double[])values.Clone();
        copy[index] += step;
        return copy;
    }

    private static void Set(Tensor parameter, double[] values, long[] shape)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        parameter.CopyFrom(Tensor.FromArray(values, shape));
    }
}
