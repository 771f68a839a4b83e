namespace Distill.Bench.Peers;

/// <summary>The PyTorch peer could not be started, died, or reported an error for a case.</summary>
public sealed class PeerException : Exception
{
    public PeerException()
    {
    }

    public PeerException(string message)
        : base(message)
    {
    }

    public PeerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
