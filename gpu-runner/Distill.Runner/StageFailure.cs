namespace Distill.Runner;

/// <summary>An error of a stage, classified, with the reasons to report (each a sentence a user can act on).</summary>
public sealed record StageFailure(StageFailureKind Kind, IReadOnlyList<string> Reasons);
