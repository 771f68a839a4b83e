namespace Distill.Torch.Nn;

/// <summary>In-place parameter initialisers (run without recording gradients).</summary>
public static class Init
{
    public static Tensor Normal(Tensor tensor, double mean, double std, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        tensor.CopyFrom(Tensor.Randn(tensor.Shape, generator, mean, std, DType.Float32, generator?.Device ?? tensor.Device));
        return tensor;
    }

    public static Tensor Uniform(Tensor tensor, double low, double high, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        tensor.CopyFrom(Tensor.Rand(tensor.Shape, generator, low, high, DType.Float32, generator?.Device ?? tensor.Device));
        return tensor;
    }

    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var noGrad = TorchRuntime.NoGrad();
        return tensor.Fill(value);
    }
}
