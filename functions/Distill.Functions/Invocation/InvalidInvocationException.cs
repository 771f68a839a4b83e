namespace Distill.Functions.Invocation;

/// <summary>
/// The host's invocation request does not have the shape the app expects (not JSON, no <c>Data</c> or trigger value, no
/// message id): a mismatch between a <c>function.json</c> and the app, not a bad message. The invocation fails with 400,
/// so the host abandons the message instead of losing it.
/// </summary>
public sealed class InvalidInvocationException : Exception
{
    public InvalidInvocationException()
    {
    }

    public InvalidInvocationException(string message)
        : base(message)
    {
    }

    public InvalidInvocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
