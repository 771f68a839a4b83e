namespace Distill.Runner;

/// <summary>What a runner did with one stage message.</summary>
public enum StageOutcome
{
    /// <summary>The stage ran to its end: state recorded, stage.completed published, the message completed.</summary>
    Completed,

    /// <summary>The stage (this attempt) was already completed, superseded or its run finished: the message was completed without work.</summary>
    Duplicate,

    /// <summary>Bad input: stage.failed published with the reasons and the message completed, never retried.</summary>
    Failed,

    /// <summary>Another runner holds the stage's lease: the message was abandoned with a delay.</summary>
    Busy,

    /// <summary>An unexpected error: the message was abandoned for a redelivery (the bus dead-letters it after its maximum deliveries).</summary>
    Transient,

    /// <summary>The runner lost the message lock or the stage lease while working: it stopped without writing or publishing anything more.</summary>
    Fenced,

    /// <summary>The runner is shutting down: the stage checkpointed where it could and the message was abandoned for another runner.</summary>
    Interrupted,

    /// <summary>The message is not a stage command this runner can read: abandoned until the bus dead-letters it.</summary>
    Rejected,
}
