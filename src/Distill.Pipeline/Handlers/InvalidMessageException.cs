namespace Distill.Pipeline.Handlers;

/// <summary>
/// A message cannot be read at all (not JSON, not the expected shape), so no run can be told: the dispatcher logs it as
/// an error and completes it, since redelivering it would fail the same way.
/// </summary>
public sealed class InvalidMessageException : Exception
{
    public InvalidMessageException()
    {
    }

    public InvalidMessageException(string message)
        : base(message)
    {
    }

    public InvalidMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
