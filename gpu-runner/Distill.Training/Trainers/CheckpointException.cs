namespace Distill.Training.Trainers;

/// <summary>A checkpoint that cannot be read: a missing or malformed file, named in the message.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException()
    {
    }

    public CheckpointException(string message)
        : base(message)
    {
    }

    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
