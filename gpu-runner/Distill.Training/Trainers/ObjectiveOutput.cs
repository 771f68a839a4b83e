using Distill.Torch;

namespace Distill.Training.Trainers;

/// <summary>The result of <see cref="ITrainingObjective.ForwardBackward"/>: device tensors, read back only for progress.</summary>
public sealed record ObjectiveOutput
{
    /// <summary>The micro-batch's loss (not multiplied by the loss scale), a detached fp32 scalar.</summary>
    public required Tensor Loss { get; init; }

    /// <summary>Named parts of the loss for logs (for example <c>ce</c> and <c>kl</c>), detached fp32 scalars.</summary>
    public IReadOnlyDictionary<string, Tensor>? Components { get; init; }
}
