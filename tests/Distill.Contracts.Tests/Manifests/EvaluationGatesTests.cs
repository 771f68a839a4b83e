using Distill.Contracts.Manifests;
using Distill.Contracts.Tests.Runs;

namespace Distill.Contracts.Tests.Manifests;

public sealed class EvaluationGatesTests
{
    [Fact]
    public void Failures_NoGates_PassEveryStudent()
    {
        Assert.Empty(new EvaluationGates().Failures(RunStateJsonTests.Comparison()));
    }

    [Fact]
    public void Failures_GatesMet_AreEmpty()
    {
        var gates = new EvaluationGates { MaxPerplexityRatio = 1.5, MinTopOneAgreement = 0.6, MaxForwardKl = 0.25 };

        Assert.Empty(gates.Failures(RunStateJsonTests.Comparison()));
    }

    [Fact]
    public void Failures_EveryMissedGate_IsNamed()
    {
        var gates = new EvaluationGates { MaxPerplexityRatio = 1.2, MinTopOneAgreement = 0.7, MaxForwardKl = 0.1 };

        Assert.Equal(
        [
            "the student's perplexity 12 is 1.5 times the teacher's 8; evaluation.gates.maxPerplexityRatio allows 1.2",
            "the student agrees with the teacher's top token at 0.625 of positions; evaluation.gates.minTopOneAgreement requires 0.7",
            "KL(teacher ‖ student) is 0.25 nats per position; evaluation.gates.maxForwardKl allows 0.1",
        ], gates.Failures(RunStateJsonTests.Comparison()));
    }

    [Fact]
    public void Failures_NaNMetrics_FailTheGates()
    {
        var comparison = RunStateJsonTests.Comparison() with { StudentPerplexity = double.NaN, ForwardKl = double.NaN };

        Assert.Equal(2, new EvaluationGates { MaxPerplexityRatio = 2, MaxForwardKl = 1 }.Failures(comparison).Count);
    }
}
