namespace Distill.Torch.Nn;

/// <summary>Layer normalisation over the last dimension with a learned scale and shift.</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(long dim, double eps = 1e-5, bool bias = true, Device? device = null)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones([dim], DType.Float32, device));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Zeros([dim], DType.Float32, device));
        }
    }

    public double Eps { get; }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => Functional.LayerNorm(x, Weight, Bias, Eps);
}
