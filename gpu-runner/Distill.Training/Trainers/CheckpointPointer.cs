namespace Distill.Training.Trainers;

/// <summary>
/// The pointer file (<c>latest.json</c>) that makes a checkpoint current: its step and name, and the names of the
/// checkpoints kept, newest first (the current one included). Replacing it is the commit of a save.
/// </summary>
public sealed record CheckpointPointer
{
    public required long Step { get; init; }

    public required string Folder { get; init; }

    public IReadOnlyList<string> Kept { get; init; } = [];
}
