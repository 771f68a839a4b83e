namespace Distill.Runner;

/// <summary>
/// A stage cannot run on what it was given (a file missing from the upload, a manifest that changed since the run was
/// accepted, a device the runner does not have): retrying cannot help, so the stage fails with this message.
/// </summary>
public sealed class StageInputException : Exception
{
    public StageInputException()
        : this("the stage's input is not usable")
    {
    }

    public StageInputException(string message)
        : base(message)
    {
    }

    public StageInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
