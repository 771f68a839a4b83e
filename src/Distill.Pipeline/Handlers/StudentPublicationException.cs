namespace Distill.Pipeline.Handlers;

/// <summary>
/// The student cannot be published from what the run left (no student artifact, no config or weights in it, an
/// upload changed since the run was accepted). The message names the blob; the run fails with it.
/// </summary>
public sealed class StudentPublicationException : Exception
{
    public StudentPublicationException()
    {
    }

    public StudentPublicationException(string message)
        : base(message)
    {
    }

    public StudentPublicationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
