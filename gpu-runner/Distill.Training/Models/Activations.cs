using Distill.Torch;

namespace Distill.Training.Models;

internal static class Activations
{
    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "gelu_new" => x.Gelu(tanhApproximation: true),
        "gelu" => x.Gelu(),
        "relu" => x.Relu(),
        "silu" => x.Silu(),
        _ => throw new NotSupportedException($"activation '{name}'"),
    };
}
