namespace Distill.Bench.Reporting;

/// <summary>What a row's ratio (Distill over the peer) should be: at least or at most <see cref="Threshold"/>.</summary>
public sealed record Goal(GoalKind Kind, double Threshold)
{
    public static Goal AtLeast(double threshold) => new(GoalKind.AtLeast, threshold);

    public static Goal AtMost(double threshold) => new(GoalKind.AtMost, threshold);

    public bool IsMetBy(double ratio) => Kind == GoalKind.AtLeast ? ratio >= Threshold : ratio <= Threshold;

    public override string ToString() =>
        FormattableString.Invariant($"{(Kind == GoalKind.AtLeast ? "≥" : "≤")} {Threshold:0.00}");
}
