using Distill.Torch;

namespace Distill.Bench.Engine;

/// <summary>
/// A fixed chain of small-tensor elementwise ops, the same op for op as <c>chain</c> in bench/peers/engine.py (the
/// peer refuses a different <see cref="Ops"/> list, and the suite compares both results).
/// </summary>
public static class OpChain
{
    public static IReadOnlyList<string> Ops { get; } =
        ["add", "mul", "relu", "sub", "mul_scalar", "add_scalar", "sigmoid", "div", "tanh", "exp"];

    public static Tensor Run(Tensor a, Tensor b, Tensor c)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        var x = a + b;
        x = x * c;
        x = x.Relu();
        x = x - a;
        x = x * 0.5;
        x = x + 1.0;
        x = x.Sigmoid();
        x = x / b;
        x = x.Tanh();
        x = x.Exp();
        return x;
    }

    /// <summary>The chain's inputs: a in [-1, 1], b in [1, 2], c in [0.5, 1.5], evenly spaced.</summary>
    public static (Tensor A, Tensor B, Tensor C) Inputs(int elements)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elements, 2);
        return (Ramp(-1, 1, elements), Ramp(1, 2, elements), Ramp(0.5, 1.5, elements));
    }

    private static Tensor Ramp(double low, double high, int elements)
    {
        var values = new float[elements];
        for (var i = 0; i < elements; i++)
        {
            values[i] = (float)(low + (high - low) * i / (elements - 1));
        }
        return Tensor.FromArray(values);
    }
}
