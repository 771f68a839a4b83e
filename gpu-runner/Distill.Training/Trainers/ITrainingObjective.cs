using Distill.Training.Data;
using Distill.Training.Models;

namespace Distill.Training.Trainers;

/// <summary>
/// What <see cref="Trainer"/> optimises: the modules that train and the loss of one micro-batch. The objective runs
/// both the forward and the backward pass itself, so a loss over the vocabulary can be computed chunk by chunk along
/// the sequence with a backward per chunk (peak memory grows with the chunk, not the sequence); see
/// <see cref="LanguageModelingObjective"/>. Distillation methods implement it with a teacher inside.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>A stable name, saved in checkpoints: a checkpoint is only resumed by the objective that wrote it.</summary>
    string Name { get; }

    /// <summary>
    /// The model being trained: its validation cross-entropy is what the trainer reports, and its
    /// <see cref="CausalLanguageModel.DropoutGenerator"/> is set (and saved) by the trainer.
    /// </summary>
    CausalLanguageModel Student { get; }

    /// <summary>
    /// The modules whose parameters train, each under a prefix (<c>student</c>, <c>filters</c>, …): checkpoints save
    /// their weights as <c>{prefix}.{parameter name}</c>. The student must be one of them, unless it is frozen (no
    /// parameter requires a gradient), as in TED's Stage I, where only filters train on a fixed model. Parameters that
    /// do not require gradients are saved but not optimised.
    /// </summary>
    IReadOnlyList<TrainableModule> TrainableModules { get; }

    /// <summary>
    /// Runs the forward pass of one micro-batch (under <see cref="MicroBatchContext.EnterAutocast"/>), and the backward
    /// pass of its loss times <see cref="MicroBatchContext.LossScale"/> (outside autocast), accumulating gradients into
    /// the parameters. Returns the unscaled loss, detached. Tensors it creates belong to the caller's tensor scope.
    /// </summary>
    ObjectiveOutput ForwardBackward(TokenBatch batch, MicroBatchContext context);
}
