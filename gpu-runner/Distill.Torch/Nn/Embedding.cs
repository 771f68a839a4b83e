namespace Distill.Torch.Nn;

/// <summary>
/// A lookup table [count, dim] indexed by token ids; initialised N(0, 1) as PyTorch's nn.Embedding, or left
/// uninitialised (<c>initialize</c> false) for weights about to be loaded or re-initialised.
/// </summary>
public sealed class Embedding : Module
{
    public Embedding(long count, long dim, Device? device = null, Generator? generator = null, bool initialize = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        Count = count;
        Dim = dim;
        Weight = RegisterParameter("weight", Tensor.Empty([count, dim], DType.Float32, device ?? Device.Cpu));
        if (initialize)
        {
            Init.Normal(Weight, 0, 1, generator);
        }
    }

    public long Count { get; }

    public long Dim { get; }

    public Tensor Weight { get; }

    public Tensor Forward(Tensor ids) => Functional.Embedding(Weight, ids);
}
