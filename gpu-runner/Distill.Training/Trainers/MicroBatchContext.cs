using Distill.Torch;

namespace Distill.Training.Trainers;

/// <summary>What an objective needs to know about the micro-batch it is given.</summary>
public sealed record MicroBatchContext
{
    /// <summary>Multiply the loss by this before the backward pass: 1 / gradient accumulation.</summary>
    public required double LossScale { get; init; }

    /// <summary>The 0-based optimizer step this micro-batch belongs to (for objectives whose weights follow a schedule).</summary>
    public required long Step { get; init; }

    public required long TotalSteps { get; init; }

    /// <summary>The 0-based index of the micro-batch within its step.</summary>
    public required int MicroBatch { get; init; }

    public required Device Device { get; init; }

    /// <summary>Whether forward passes run under bf16 autocast.</summary>
    public required bool UseAutocast { get; init; }

    /// <summary>The autocast region for a forward pass (does nothing when autocast is off). Run backward outside it.</summary>
    public Autocast EnterAutocast() => Autocast.Enter(Device, DType.BFloat16, UseAutocast);
}
