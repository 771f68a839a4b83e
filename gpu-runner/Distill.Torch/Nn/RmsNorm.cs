namespace Distill.Torch.Nn;

/// <summary>RMS normalisation over the last dimension with a learned scale (Llama's RMSNorm).</summary>
public sealed class RmsNorm : Module
{
    public RmsNorm(long dim, double eps = 1e-6, Device? device = null)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones([dim], DType.Float32, device));
    }

    public double Eps { get; }

    public Tensor Weight { get; }

    public Tensor Forward(Tensor x) => Functional.RmsNorm(x, Weight, Eps);
}
