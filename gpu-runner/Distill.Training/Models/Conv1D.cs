using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Models;

/// <summary>GPT-2's Conv1D: a linear layer whose weight is stored [in, out] (y = x · W + b).</summary>
public sealed class Conv1D : Module
{
    public Conv1D(long inFeatures, long outFeatures, Device device)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Empty([inFeatures, outFeatures], DType.Float32, device));
        Bias = RegisterParameter("bias", Tensor.Empty([outFeatures], DType.Float32, device));
    }

    public long InFeatures { get; }

    public long OutFeatures { get; }

    public Tensor Weight { get; }

    public Tensor Bias { get; }

    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var shape = x.Shape;
        shape[^1] = OutFeatures;
        return Functional.AddMm(Bias, x.Reshape(-1, InFeatures), Weight).View(shape);
    }
}
