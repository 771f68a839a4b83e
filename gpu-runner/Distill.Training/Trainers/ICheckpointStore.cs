namespace Distill.Training.Trainers;

/// <summary>
/// Where checkpoints live. The trainer writes a checkpoint's files into a local folder and hands it to
/// <see cref="SaveAsync"/>, which stores it under a new name and only then makes it current by replacing one small
/// pointer, so a crash at any moment leaves the previous checkpoint current and whole. <see cref="LocalCheckpointStore"/>
/// keeps them in a folder; the runner implements the same contract over blob storage.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>
    /// A new, empty local folder for the trainer to write a checkpoint into (then pass it to <see cref="SaveAsync"/>) or
    /// to receive one (<see cref="FetchLatestAsync"/>). The trainer deletes it when done, if it still exists.
    /// </summary>
    string CreateWorkFolder();

    /// <summary>
    /// Stores the complete checkpoint in <paramref name="stagedFolder"/> (it may be moved away) as the checkpoint of
    /// <paramref name="step"/>, makes it current with one pointer write, then deletes all but the
    /// <paramref name="keep"/> newest checkpoints and anything never made current.
    /// </summary>
    Task<CheckpointInfo> SaveAsync(string stagedFolder, long step, int keep, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the current checkpoint's files into <paramref name="targetFolder"/>; null when the store has no current
    /// checkpoint. Folders that no pointer names (a save that crashed before its pointer write) are never returned.
    /// </summary>
    Task<CheckpointInfo?> FetchLatestAsync(string targetFolder, CancellationToken cancellationToken);
}
