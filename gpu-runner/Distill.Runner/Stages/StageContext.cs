using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Runner.Storage;
using Distill.Torch;
using Distill.Training.Trainers;
using Microsoft.Extensions.Logging;

namespace Distill.Runner.Stages;

/// <summary>What a stage executor is handed: the command and manifest, local copies of its inputs, a place to work, a checkpoint store, a progress sink, and the fence its writes respect.</summary>
public sealed class StageContext
{
    internal StageContext(RunStageCommand command, PipelineManifest manifest, RunState state, IBlobStore blobs, BlobFolderCache cache, StageFence fence,
        string workFolder, Device device, IProgress<TrainingProgress> progress, TimeProvider time, ILogger logger)
    {
        Command = command;
        Manifest = manifest;
        State = state;
        Blobs = blobs;
        Cache = cache;
        Fence = fence;
        WorkFolder = workFolder;
        Device = device;
        Progress = progress;
        Time = time;
        Logger = logger;
    }

    public RunStageCommand Command { get; }

    public string RunId => Command.RunId;

    public string Stage => Command.Stage;

    public int Attempt => Command.Attempt;

    /// <summary>The run's manifest, read from the upload and checked against the command's SHA-256.</summary>
    public PipelineManifest Manifest { get; }

    /// <summary>The run state as it was when the stage started.</summary>
    public RunState State { get; }

    public IBlobStore Blobs { get; }

    public BlobFolderCache Cache { get; }

    /// <summary>Trips when the runner loses the stage; uploads check it.</summary>
    public StageFence Fence { get; }

    /// <summary>An empty folder for this stage's files, deleted when the stage ends.</summary>
    public string WorkFolder { get; }

    /// <summary>The device the manifest asks for, on this runner (<see cref="ManifestTraining.ResolveDevice"/>).</summary>
    public Device Device { get; }

    /// <summary>Where training progress goes (throttled stage.progress events, checkpoints recorded in the run state).</summary>
    public IProgress<TrainingProgress> Progress { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>A local copy of a file or folder of the upload, by its path in the manifest.</summary>
    public Task<string> UploadPathAsync(string relativePath, CancellationToken cancellationToken) =>
        Cache.GetAsync(Command.Upload.Child(relativePath), cancellationToken);

    /// <summary>A local copy of an artifact an earlier stage of the run produced.</summary>
    public async Task<string> ArtifactAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Cache.GetFolderAsync(BlobPaths.Artifact(RunId, name), cancellationToken).ConfigureAwait(false);
        }
        catch (StageInputException e)
        {
            throw new StageInputException($"the '{name}' artifact of run '{RunId}' is missing ({e.Message}); its stage must complete before '{Stage}'", e);
        }
    }

    /// <summary>Uploads <paramref name="localFolder"/> as the artifact <paramref name="name"/> and returns its blob path for stage.completed.</summary>
    public async Task<string> PublishArtifactAsync(string name, string localFolder, CancellationToken cancellationToken)
    {
        var location = BlobPaths.Artifact(RunId, name);
        await BlobFolders.UploadAsync(Blobs, localFolder, location, Fence, cancellationToken).ConfigureAwait(false);
        return location.ToString();
    }

    /// <summary>The stage's checkpoint store in blob storage (a stage that has checkpoints resumes from the newest).</summary>
    public BlobCheckpointStore CreateCheckpointStore() =>
        new(Blobs, RunId, Stage, Path.Join(WorkFolder, "checkpoints"), Fence, Logger);
}
