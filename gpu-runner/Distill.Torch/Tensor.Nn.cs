namespace Distill.Torch;

public sealed partial class Tensor
{
    public Tensor Softmax(long dim, DType? dtype = null) => Functional.Softmax(this, dim, dtype);

    public Tensor LogSoftmax(long dim, DType? dtype = null) => Functional.LogSoftmax(this, dim, dtype);
}
