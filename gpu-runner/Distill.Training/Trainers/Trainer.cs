using Distill.Training.Data;

namespace Distill.Training.Trainers;

/// <summary>
/// Trains an <see cref="ITrainingObjective"/> on a tokenized dataset: AdamW (weight decay on rank ≥ 2 parameters),
/// warmup then cosine learning rate, global gradient-norm clipping, gradient accumulation, bf16 autocast on CUDA and
/// fp32 on the CPU. Checkpoints (weights, optimizer moments, step, data cursor, random states) go to an
/// <see cref="ICheckpointStore"/> every <see cref="TrainerOptions.CheckpointEvery"/> steps, at the end and on
/// cancellation; a run given a store that holds a checkpoint resumes from it exactly: k steps, a stop and n − k more
/// give the same weights, bit for bit on the CPU, as n steps in one go.
/// </summary>
/// <remarks>
/// The seed fixes the data order (the sampler's seed), the dropout masks (a generator the trainer puts on the
/// student's <see cref="Models.CausalLanguageModel.DropoutGenerator"/>) and the default generators (seeded when the
/// training starts, restored on resume); initialise the model with the same seed to fix everything.
/// </remarks>
public sealed class Trainer
{
    private readonly ICheckpointStore _store;
    private readonly TimeProvider _time;

    /// <exception cref="TrainerOptionsException">An option has an invalid value.</exception>
    public Trainer(TrainerOptions options, ICheckpointStore store, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        options.Validate();
        Options = options;
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
    }

    public TrainerOptions Options { get; }

    /// <summary>
    /// Trains to <see cref="TrainerOptions.Steps"/> steps, resuming from the store's current checkpoint when it has one.
    /// The whole run happens on one dedicated thread (libtorch's grad mode and autocast, and tensor scopes, are per
    /// thread); <paramref name="progress"/> is called on it, synchronously, so keep handlers short (a
    /// <see cref="Progress{T}"/> posts to its own context).
    /// </summary>
    /// <param name="objective">What to train; its modules must be on <see cref="TrainerOptions.Device"/>, in fp32.</param>
    /// <param name="dataset">Training batches come from its train split, the validation loss from its validation split.</param>
    /// <param name="progress">Receives a report every <see cref="TrainerOptions.ProgressEvery"/> steps and after evaluations, checkpoints and the last step.</param>
    /// <param name="cancellationToken">
    /// Stops training gracefully: the current step finishes, a checkpoint is saved, and the result says
    /// <see cref="TrainingResult.Completed"/> = false; no exception is thrown for it. (Cancellation while the store
    /// fetches the checkpoint to resume from throws <see cref="OperationCanceledException"/>, as nothing was trained.)
    /// </param>
    /// <exception cref="CheckpointMismatchException">The store's checkpoint was written by another training (options that change the result, objective, modules or dataset).</exception>
    /// <exception cref="CheckpointException">The store's checkpoint cannot be read.</exception>
    public Task<TrainingResult> RunAsync(
        ITrainingObjective objective,
        TokenDataset dataset,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(dataset);
        return Task.Factory.StartNew(
            () => new TrainingRun(Options, _store, _time, objective, dataset, progress).Run(cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }
}
