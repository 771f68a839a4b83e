namespace Distill.Training.Trainers;

/// <summary>
/// A checkpoint that would not continue the same training: it was written with other options that change the
/// result, by another objective, or over another dataset. <see cref="Fields"/> names each difference.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    public CheckpointMismatchException(string checkpoint, IReadOnlyList<string> fields, IReadOnlyList<string> details)
        : base($"the checkpoint {checkpoint} was written by a different training and cannot be resumed: "
            + string.Join("; ", details ?? [])
            + ". Train into an empty checkpoint store, or restore the original settings.")
    {
        Fields = fields ?? [];
    }

    public CheckpointMismatchException()
    {
        Fields = [];
    }

    public CheckpointMismatchException(string message)
        : base(message)
    {
        Fields = [];
    }

    public CheckpointMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Fields = [];
    }

    /// <summary>What differs: option names (<c>LearningRate</c>), or <c>objective</c>, <c>dataset</c>, <c>modules</c>.</summary>
    public IReadOnlyList<string> Fields { get; }
}
