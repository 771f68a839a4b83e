namespace Distill.Torch.Nn;

/// <summary>
/// y = x · Wᵀ + b with W [out, in]; initialised as PyTorch's nn.Linear (uniform ±1/√in), or left uninitialised
/// (<c>initialize</c> false) for weights about to be loaded or re-initialised.
/// </summary>
public sealed class Linear : Module
{
    public Linear(long inFeatures, long outFeatures, bool bias = true, Device? device = null, Generator? generator = null, bool initialize = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var bound = 1.0 / Math.Sqrt(inFeatures);
        var dev = device ?? Device.Cpu;
        Weight = RegisterParameter("weight", Tensor.Empty([outFeatures, inFeatures], DType.Float32, dev));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty([outFeatures], DType.Float32, dev));
        }
        if (initialize)
        {
            Init.Uniform(Weight, -bound, bound, generator);
            if (Bias is not null)
            {
                Init.Uniform(Bias, -bound, bound, generator);
            }
        }
    }

    public long InFeatures { get; }

    public long OutFeatures { get; }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => Functional.Linear(x, Weight, Bias);
}
