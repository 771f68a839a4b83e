using Distill.Contracts.Runs;

namespace Distill.Contracts.Tests.Runs;

public sealed class TeacherComparisonMetricsTests
{
    private static readonly TeacherComparison s_comparison = new()
    {
        TeacherParameters = 4_000_000,
        StudentParameters = 1_000_000,
        TeacherPerplexity = 20,
        StudentPerplexity = 25,
        TopOneAgreement = 0.6,
        ForwardKl = 0.4,
        TeacherTokensPerSecond = 1000,
        StudentTokensPerSecond = 3000,
        TokensEvaluated = 8192,
    };

    [Fact]
    public void ToMetrics_ThenTryFromMetrics_GivesTheSameComparison()
    {
        var metrics = s_comparison.ToMetrics();

        Assert.Equal(1.25, metrics["perplexityRatio"]);
        Assert.True(TeacherComparison.TryFromMetrics(metrics, out var back, out var missing));
        Assert.Empty(missing);
        Assert.Equal(s_comparison, back);
    }

    [Fact]
    public void TryFromMetrics_MissingKeys_NamesThem()
    {
        var metrics = s_comparison.ToMetrics().Where(m => m.Key is not ("forwardKl" or "tokensEvaluated")).ToDictionary();

        Assert.False(TeacherComparison.TryFromMetrics(metrics, out var back, out var missing));
        Assert.Null(back);
        Assert.Equal(["forwardKl", "tokensEvaluated"], missing);
    }
}
