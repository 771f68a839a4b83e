namespace Distill.Contracts.Runs;

/// <summary>A run state transition that is not allowed from the current state (the message says what and why).</summary>
public sealed class RunTransitionException : InvalidOperationException
{
    public RunTransitionException()
    {
    }

    public RunTransitionException(string message)
        : base(message)
    {
    }

    public RunTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
