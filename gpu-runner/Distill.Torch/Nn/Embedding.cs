namespace Distill.Torch.Nn;

/// <summary>A lookup table [count, dim] indexed by token ids; initialised N(0, 1) as PyTorch's nn.Embedding.</summary>
public sealed class Embedding : Module
{
    public Embedding(long count, long dim, Device? device = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        Count = count;
        Dim = dim;
        Weight = RegisterParameter("weight", Init.Normal(Tensor.Empty([count, dim], DType.Float32, device ?? Device.Cpu), 0, 1, generator));
    }

    public long Count { get; }

    public long Dim { get; }

    public Tensor Weight { get; }

    public Tensor Forward(Tensor ids) => Functional.Embedding(Weight, ids);
}
