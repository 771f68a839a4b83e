namespace Distill.Training.Comparison;

/// <summary>Where a <see cref="MethodComparison"/> stands; reported on the thread doing the work.</summary>
public sealed record ComparisonProgress
{
    public required ComparisonPhase Phase { get; init; }

    /// <summary>The run's method, for the phases of a run.</summary>
    public string? Method { get; init; }

    /// <summary>The run's seed, for the phases of a run.</summary>
    public ulong? Seed { get; init; }

    /// <summary>The run's number (1-based) among <see cref="Runs"/>; 0 before the first run.</summary>
    public int Run { get; init; }

    /// <summary>Runs in total: methods × seeds.</summary>
    public required int Runs { get; init; }

    /// <summary>Work done in this phase: bytes, steps or blocks.</summary>
    public long Done { get; init; }

    /// <summary>Work of this phase in total (0 when unknown).</summary>
    public long Total { get; init; }

    /// <summary>The training loss after the step, while training.</summary>
    public double? Loss { get; init; }

    /// <summary>The finished run, for <see cref="ComparisonPhase.RunCompleted"/>.</summary>
    public ComparisonRun? Result { get; init; }
}
