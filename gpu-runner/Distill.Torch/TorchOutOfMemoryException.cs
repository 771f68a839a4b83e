namespace Distill.Torch;

/// <summary>libtorch ran out of device or host memory; a runner can retry with a smaller micro-batch.</summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    public TorchOutOfMemoryException()
    {
    }

    public TorchOutOfMemoryException(string message)
        : base(message)
    {
    }

    public TorchOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
