namespace Distill.Runner;

/// <summary>How the runner treats an error of a stage (<see cref="StageFailures.Classify"/>).</summary>
public enum StageFailureKind
{
    /// <summary>The input is bad (a corrupt file, an invalid manifest or shape, a checkpoint of another training): fail the stage, never retry.</summary>
    BadInput,

    /// <summary>Anything else: abandon the message so that it is delivered again (then dead-lettered after the maximum deliveries).</summary>
    Transient,

    /// <summary>The runner lost the stage (<see cref="StageFence"/>): stop without writing or publishing.</summary>
    Fenced,

    /// <summary>The runner is shutting down: abandon the message at once for another runner.</summary>
    Interrupted,
}
