using System.Globalization;
using Distill.Contracts.Runs;

namespace Distill.Contracts.Manifests;

/// <summary>
/// <c>evaluation.gates</c>: what the evaluated student must reach to be published. A gate left out is not checked;
/// with none, every student that trains is published.
/// </summary>
public sealed record EvaluationGates
{
    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>The largest allowed student perplexity / teacher perplexity on the validation blocks (e.g. 1.5), &gt; 0.</summary>
    public double? MaxPerplexityRatio { get; set; }

    /// <summary>The smallest allowed share of positions where the student's top token is the teacher's, in [0, 1].</summary>
    public double? MinTopOneAgreement { get; set; }

    /// <summary>The largest allowed mean KL(teacher ‖ student) per position, in nats, ≥ 0.</summary>
    public double? MaxForwardKl { get; set; }

    /// <summary>Every gate <paramref name="comparison"/> misses, as a sentence naming the gate; empty when it passes all.</summary>
    public IReadOnlyList<string> Failures(TeacherComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var failures = new List<string>();
        if (MaxPerplexityRatio is { } maxRatio && !(comparison.PerplexityRatio <= maxRatio))
        {
            failures.Add(Invariant(
                $"the student's perplexity {comparison.StudentPerplexity:G4} is {comparison.PerplexityRatio:G4} times the teacher's {comparison.TeacherPerplexity:G4}; evaluation.gates.maxPerplexityRatio allows {maxRatio:G4}"));
        }
        if (MinTopOneAgreement is { } minAgreement && !(comparison.TopOneAgreement >= minAgreement))
        {
            failures.Add(Invariant(
                $"the student agrees with the teacher's top token at {comparison.TopOneAgreement:G4} of positions; evaluation.gates.minTopOneAgreement requires {minAgreement:G4}"));
        }
        if (MaxForwardKl is { } maxKl && !(comparison.ForwardKl <= maxKl))
        {
            failures.Add(Invariant(
                $"KL(teacher ‖ student) is {comparison.ForwardKl:G4} nats per position; evaluation.gates.maxForwardKl allows {maxKl:G4}"));
        }
        return failures;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
