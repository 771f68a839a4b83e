using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Distill.Contracts.Runs;

/// <summary>How the student compares with its teacher on the validation blocks (the evaluate stage's numbers).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record TeacherComparison
{
    /// <summary>The teacher's parameter count (tied weights once).</summary>
    public required long TeacherParameters { get; init; }

    /// <summary>The student's parameter count (tied weights once).</summary>
    public required long StudentParameters { get; init; }

    /// <summary>The teacher's perplexity, exp(mean NLL per counted token).</summary>
    public required double TeacherPerplexity { get; init; }

    /// <summary>The student's perplexity.</summary>
    public required double StudentPerplexity { get; init; }

    /// <summary>The share of counted positions where the student's most likely token is the teacher's, in [0, 1].</summary>
    public required double TopOneAgreement { get; init; }

    /// <summary>Mean KL(teacher ‖ student) of the next-token distributions, nats per counted position.</summary>
    public required double ForwardKl { get; init; }

    /// <summary>The teacher's forward-pass throughput, input tokens per second.</summary>
    public required double TeacherTokensPerSecond { get; init; }

    /// <summary>The student's forward-pass throughput, input tokens per second.</summary>
    public required double StudentTokensPerSecond { get; init; }

    /// <summary>Tokens evaluated (the weight of every mean above).</summary>
    public required long TokensEvaluated { get; init; }

    /// <summary>Student perplexity / teacher perplexity (written to JSON, recomputed when read).</summary>
    public double PerplexityRatio => StudentPerplexity / TeacherPerplexity;

    /// <summary>Student parameters / teacher parameters (written to JSON, recomputed when read).</summary>
    public double SizeRatio => (double)StudentParameters / TeacherParameters;

    /// <summary>Student tokens/s / teacher tokens/s (written to JSON, recomputed when read).</summary>
    public double Speedup => StudentTokensPerSecond / TeacherTokensPerSecond;

    /// <summary>
    /// The comparison as the evaluate stage's <c>stage.completed</c> metrics (camelCase keys, the JSON names), which is
    /// how it reaches the handler that applies the gates.
    /// </summary>
    public IReadOnlyDictionary<string, double> ToMetrics() => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["teacherParameters"] = TeacherParameters,
        ["studentParameters"] = StudentParameters,
        ["teacherPerplexity"] = TeacherPerplexity,
        ["studentPerplexity"] = StudentPerplexity,
        ["topOneAgreement"] = TopOneAgreement,
        ["forwardKl"] = ForwardKl,
        ["teacherTokensPerSecond"] = TeacherTokensPerSecond,
        ["studentTokensPerSecond"] = StudentTokensPerSecond,
        ["tokensEvaluated"] = TokensEvaluated,
        ["perplexityRatio"] = PerplexityRatio,
        ["sizeRatio"] = SizeRatio,
        ["speedup"] = Speedup,
    };

    /// <summary>Reads a comparison back from <see cref="ToMetrics"/>'s keys; false, with the missing keys, when one is absent.</summary>
    public static bool TryFromMetrics(IReadOnlyDictionary<string, double> metrics, [NotNullWhen(true)] out TeacherComparison? comparison, out IReadOnlyList<string> missing)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        string[] keys = ["teacherParameters", "studentParameters", "teacherPerplexity", "studentPerplexity", "topOneAgreement", "forwardKl",
            "teacherTokensPerSecond", "studentTokensPerSecond", "tokensEvaluated"];
        missing = [.. keys.Where(k => !metrics.ContainsKey(k))];
        if (missing.Count > 0)
        {
            comparison = null;
            return false;
        }
        comparison = new TeacherComparison
        {
            TeacherParameters = (long)metrics["teacherParameters"],
            StudentParameters = (long)metrics["studentParameters"],
            TeacherPerplexity = metrics["teacherPerplexity"],
            StudentPerplexity = metrics["studentPerplexity"],
            TopOneAgreement = metrics["topOneAgreement"],
            ForwardKl = metrics["forwardKl"],
            TeacherTokensPerSecond = metrics["teacherTokensPerSecond"],
            StudentTokensPerSecond = metrics["studentTokensPerSecond"],
            TokensEvaluated = (long)metrics["tokensEvaluated"],
        };
        return true;
    }
}
