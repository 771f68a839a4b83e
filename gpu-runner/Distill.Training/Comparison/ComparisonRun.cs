namespace Distill.Training.Comparison;

/// <summary>One (method, seed) run: the student's held-out metrics against the teacher and what the run cost.</summary>
public sealed record ComparisonRun
{
    public required string Method { get; init; }

    public required ulong Seed { get; init; }

    /// <summary>exp of <see cref="MeanLoss"/>: the student's perplexity on the evaluated validation blocks.</summary>
    public required double Perplexity { get; init; }

    /// <summary>The student's token-weighted cross-entropy on the evaluated validation blocks, in nats.</summary>
    public required double MeanLoss { get; init; }

    /// <summary>Fraction of evaluated positions where the student's most likely next token is the teacher's.</summary>
    public required double TopOneAgreement { get; init; }

    /// <summary>Mean KL(teacher ‖ student) per evaluated position, in nats.</summary>
    public required double ForwardKl { get; init; }

    /// <summary>
    /// Wall-clock seconds of the run's training: building the student, TED's Stage I for both models (when the
    /// method is TED) and the distillation. The evaluation is not included.
    /// </summary>
    public required double Seconds { get; init; }

    /// <summary>
    /// CPU seconds the process spent over <see cref="Seconds"/> (every thread): the work of the run, which other work
    /// sharing the cores does not inflate as it does the wall-clock.
    /// </summary>
    public double CpuSeconds { get; init; }

    /// <summary>Of <see cref="Seconds"/>, TED's Stage I for the teacher's and the student's filters (0 for other methods).</summary>
    public double StageOneSeconds { get; init; }

    /// <summary>Optimizer steps of TED's Stage I, both models together (0 for other methods).</summary>
    public long StageOneSteps { get; init; }

    /// <summary>Optimizer steps of the distillation.</summary>
    public required long Steps { get; init; }

    /// <summary>The last training loss (the method's objective, not comparable across methods).</summary>
    public double? FinalTrainingLoss { get; init; }

    /// <summary>Seconds spent evaluating the student against the teacher.</summary>
    public required double EvaluationSeconds { get; init; }
}
