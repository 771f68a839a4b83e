namespace Distill.Runner;

/// <summary>What happened, in a <see cref="WorkerActivity"/>.</summary>
public enum WorkerActivityKind
{
    /// <summary>A stage message arrived.</summary>
    Received,

    /// <summary>The stage started (stage.started published).</summary>
    Started,

    /// <summary>Training progress (stage.progress published).</summary>
    Progress,

    /// <summary>The message was settled with <see cref="WorkerActivity.Outcome"/>.</summary>
    Settled,
}
