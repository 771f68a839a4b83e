namespace Distill.Torch;

/// <summary>The operation is not available in this build (for example CUDA calls in a CPU-only shim).</summary>
public sealed class TorchNotSupportedException : TorchException
{
    public TorchNotSupportedException()
    {
    }

    public TorchNotSupportedException(string message)
        : base(message)
    {
    }

    public TorchNotSupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
